"""The Olist pipeline, one sub-package per stage; the folder tree is the architecture.

- ``lake``: the partition protocol and its storages (a folder or S3), the extract from the shop,
  and the runners that start the cleaning job (``glue_jobs/``);
- ``quality``: the Great Expectations plumbing, the lake gate, the warehouse checks and the
  reconciliation with the shop;
- ``warehouse``: the ``Warehouse`` protocol, its PostgreSQL and Redshift implementations, the
  run audit and the runner of the dbt project (``sql/``) that builds the models;
- ``orchestration``: what Airflow runs: the task bodies, the run's facts, assets, connections,
  the run report and the local Airflow helper;
- ``dashboards``: the dashboards defined in ``dashboards/``, rendered as a site or provisioned
  into Metabase.

``settings`` (every setting, from the environment), ``tables`` (the shop tables the lake
carries), ``database_urls`` and ``static_sites`` serve every stage. Everything the DAGs import
lives here, because MWAA ships ``plugins/`` as ``plugins.zip``.
"""
