"""The same raw partitions cleaned on this platform's Spark (in process, PySpark 4) and on AWS
Glue 5.0's runtime (.venv-glue: Python 3.11, Spark 3.5.4, the job's code from its zip, under
``spark-submit``) commit the same processed and rejected partitions, row for row.

Two inputs: the hand-made partitions with one of each problem the job handles, and a small
generated shop extracted as the pipeline does (real Portuguese text, money, timestamps and
geolocation at volume). The Parquet files' bytes differ by nature (each writer records its
version), so the comparison is of the manifests, the schemas and a checksum of the rows.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from support.glue_runtime import GlueRuntimeSubmission, committed_partition
from support.raw_lake import ALL_TABLES, DAY, write_raw_partitions

from olist_cleaning.arguments import JobArguments
from olist_cleaning.job import run
from olist_pipeline.lake.extract import extract_tables
from olist_pipeline.lake.partitions import Lake

pytestmark = pytest.mark.integration


def extracted_shop(shop_url: str, lake: Lake) -> Lake:
    extract_tables(
        shop_url,
        lake,
        ingest_date=DAY,
        run_id="extract-1",
        interval_start=None,
        interval_end=datetime.now(UTC),
        full_refresh=True,
    )
    return lake


@pytest.fixture(params=["problem_rows", "generated_shop"])
def raw_lakes(request, tmp_path) -> tuple[Lake, Lake]:
    """Two lakes holding byte-identical raw partitions, one for each runtime."""
    first = Lake.from_uri(str(tmp_path / "platform-spark"))
    if request.param == "problem_rows":
        write_raw_partitions(first)
    else:
        extracted_shop(request.getfixturevalue("loaded_shop_url"), first)
    shutil.copytree(tmp_path / "platform-spark", tmp_path / "glue-spark")
    return first, Lake.from_uri(str(tmp_path / "glue-spark"))


def test_both_sparks_commit_identical_partitions(spark, raw_lakes, tmp_path):
    platform_lake, glue_lake = raw_lakes
    arguments = JobArguments(lake_uri=glue_lake.uri, ingest_date=DAY, run_id="clean-1")

    on_glue = GlueRuntimeSubmission(arguments, tmp_path)  # its own JVM, meanwhile
    run(spark, platform_lake, arguments)
    output = on_glue.result()

    assert '"orders"' in output.splitlines()[-1]  # the job's JSON summary
    for table in ALL_TABLES:
        for zone in ("processed", "rejected"):
            on_platform = committed_partition(platform_lake, zone, table, DAY)
            on_glue = committed_partition(glue_lake, zone, table, DAY)
            assert on_glue == on_platform, f"{zone}/{table} differs between the two Sparks"
    assert committed_partition(glue_lake, "processed", "orders", DAY)["rows"] > 0
