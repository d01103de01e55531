"""Glue entrypoint: clean one raw ingest date of the lake into its processed and rejected zones.

On AWS Glue 5 the arguments come through ``getResolvedOptions`` and the job runs inside
``GlueContext``'s session between ``Job.init`` and ``Job.commit``. Anywhere else (``spark-submit``
or ``python``) the same ``--lake_uri --ingest_date --run_id --tables`` arguments are parsed
with argparse and a local session is built. ``olist_cleaning`` and ``olist_pipeline`` come with
the job (``--extra-py-files`` on Glue, ``--py-files`` with spark-submit).
"""

from __future__ import annotations

import argparse
import json
import sys


def _run_on_glue(argv: list[str]) -> dict:
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    from olist_cleaning.job import run
    from olist_pipeline.cleaning import JOB_ARGUMENTS
    from olist_pipeline.lake import Lake

    options = getResolvedOptions(argv, ["JOB_NAME", *JOB_ARGUMENTS])
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(options["JOB_NAME"], options)
    summary = run(
        glue_context.spark_session,
        Lake.from_uri(options["lake_uri"]),
        options["ingest_date"],
        options["run_id"],
        options["tables"].split(","),
    )
    job.commit()
    return summary


def _run_locally(argv: list[str]) -> dict:
    from olist_cleaning.job import run
    from olist_cleaning.session import local_session
    from olist_pipeline.cleaning import JOB_ARGUMENTS
    from olist_pipeline.lake import Lake

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in JOB_ARGUMENTS:
        parser.add_argument(f"--{name}", required=True)
    options = parser.parse_args(argv[1:])
    # The master comes from spark-submit (or Spark's default when run with plain python).
    spark = local_session(master=None)
    try:
        return run(
            spark,
            Lake.from_uri(options.lake_uri),
            options.ingest_date,
            options.run_id,
            options.tables.split(","),
        )
    finally:
        spark.stop()


def main(argv: list[str]) -> int:
    try:
        import awsglue  # noqa: F401 - present only inside AWS Glue
    except ModuleNotFoundError:
        summary = _run_locally(argv)
    else:
        summary = _run_on_glue(argv)
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
