"""The warehouse: the ``Warehouse`` protocol (``protocol``), its PostgreSQL (``postgres``) and
Redshift (``redshift``) implementations, the run audit (``audit``) and the runner of the dbt
project in ``sql/`` that builds the models (``dbt``)."""
