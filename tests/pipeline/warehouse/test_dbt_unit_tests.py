"""The dbt unit tests of the marts (sql/models/marts/_marts_unit_tests.yml: given rows in,
expected rows out), run by dbt on a real PostgreSQL. The pipeline's runs leave them out; this is
where they run. dbt needs the upstream tables to exist (it reads their column types), so the
warehouse is built first, from ``small_shop()``."""

from __future__ import annotations

import pytest
from support.warehouse_builder import WarehouseBuilder, small_shop

from olist_pipeline.lake.partitions import Lake
from olist_pipeline.warehouse.postgres import PostgresWarehouse

pytestmark = pytest.mark.integration


def test_every_unit_test_passes(warehouse_url, tmp_path):
    builder = WarehouseBuilder(PostgresWarehouse(warehouse_url), Lake.from_uri(str(tmp_path)))
    runs = builder.run("2018-10-01", small_shop())
    assert "unit_test" not in {run.resource_type for run in runs}

    runs = builder.project.unit_tests(ingest_date="2018-10-01")
    unit_tests = [run for run in runs if run.resource_type == "unit_test"]
    assert len(unit_tests) >= 10
    assert {run.status for run in unit_tests} == {"pass"}
