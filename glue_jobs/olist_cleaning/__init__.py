"""Cleaning of the lake's raw zone into the processed and rejected zones, in PySpark.

The transforms are pure DataFrame functions (``transforms``) built from shared rules
(``rules``); ``job.run`` reads raw partitions through their manifests, applies the transforms
and commits the results with the lake's protocol. The same code runs on AWS Glue 5 and on a
local PySpark session (``session.local_session``).
"""
