"""The cleaning job: the lake's raw zone into its processed and rejected zones, in PySpark.

- ``transforms`` are pure DataFrame functions, one per table, built from the shared ``rules``;
- ``job.run`` reads a run's raw partitions through their manifests, applies the transforms and
  commits the results with the lake's protocol, once ``accounting`` shows nothing vanished;
- ``arguments`` are the job's arguments, ``quiet_day`` commits a day with no rows without
  Spark, ``packaging`` builds what the job ships, ``session`` configures Spark;
- ``schemas`` declares the processed zone's columns; ``shop_vocabulary`` is generated from the
  shop's vocabularies.

The same code runs on AWS Glue 5 (``clean_olist.py`` is its entrypoint) and on a local PySpark
session. It imports two modules of the platform, the lake's partition protocol and the table
registry, and ships them; nothing of the Airflow side.
"""
