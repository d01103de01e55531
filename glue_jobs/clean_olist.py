"""Glue entrypoint: clean one raw ingest date of the lake into its processed and rejected zones.

On AWS Glue (which passes ``--JOB_NAME`` to every job run) the arguments come through
``getResolvedOptions`` and the job runs inside ``GlueContext``'s session between ``Job.init``
and ``Job.commit``. Anywhere else (``spark-submit`` or ``python``, with or without AWS's
``awsglue`` library installed) the same ``--lake_uri --ingest_date --run_id --tables``
arguments are parsed with argparse and a local session is built. The job's package comes with it
(``--extra-py-files`` on Glue, ``--py-files`` with spark-submit; see
``olist_cleaning.packaging``).
"""

from __future__ import annotations

import json
import sys


def _run_on_glue(argv: list[str]) -> dict:
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    from olist_cleaning.arguments import NAMES, JobArguments
    from olist_cleaning.job import run
    from olist_pipeline.lake.partitions import Lake

    options = getResolvedOptions(argv, ["JOB_NAME", *NAMES])
    arguments = JobArguments.from_options(options)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(options["JOB_NAME"], options)
    summary = run(glue_context.spark_session, Lake.from_uri(arguments.lake_uri), arguments)
    job.commit()
    return summary


def _run_locally(argv: list[str]) -> dict:
    from olist_cleaning.arguments import JobArguments
    from olist_cleaning.job import run
    from olist_cleaning.session import local_session
    from olist_pipeline.lake.partitions import Lake

    arguments = JobArguments.parse(argv[1:], description=__doc__.splitlines()[0])
    # The master comes from spark-submit (or Spark's default when run with plain python).
    spark = local_session(master=None)
    try:
        return run(spark, Lake.from_uri(arguments.lake_uri), arguments)
    finally:
        spark.stop()


def runs_on_glue(argv: list[str]) -> bool:
    """A Glue job run: Glue passes ``--JOB_NAME`` (and its run's ids) to every run's script."""
    return "--JOB_NAME" in argv


def main(argv: list[str]) -> int:
    summary = _run_on_glue(argv) if runs_on_glue(argv) else _run_locally(argv)
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
