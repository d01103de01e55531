"""The warehouse checks: the core suites on a small warehouse built by the pipeline's own path.

One warehouse is built per module (``WarehouseBuilder``) and kept as a template; each test runs
on a copy of it (``CREATE DATABASE ... TEMPLATE``), and a bad-data test breaks one thing in its
copy and checks that the report names the expectation that catches it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlglot
from core.domain import ORDER_STATUSES, STATE_CODES
from support.warehouse_builder import WarehouseBuilder, small_shop

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.quality.gx import ValidationFailed, import_gx
from olist_pipeline.quality.warehouse_checks import (
    CORE_TABLES,
    UNEXPECTED_ROWS,
    WarehouseChecksFailed,
    read_warehouse_suite,
    run_warehouse_checks,
    suites_dir,
)
from olist_pipeline.settings import REPO_ROOT
from olist_pipeline.static_sites import location
from olist_pipeline.warehouse.postgres import PostgresWarehouse

EXPECTATIONS = REPO_ROOT / "expectations"
DAY = "2018-10-18"
RUN_ID = "scheduled__2018-10-18T03:00:00+00:00"


def _suites() -> dict[str, dict]:
    return {table: read_warehouse_suite(EXPECTATIONS, table) for table in CORE_TABLES}


def _queries() -> list[tuple[str, str]]:
    return [
        (suite["name"], item["kwargs"]["unexpected_rows_query"])
        for suite in _suites().values()
        for item in suite["expectations"]
        if item["type"] == UNEXPECTED_ROWS
    ]


# --- Suites (no database) -----------------------------------------------------------------------


def test_one_suite_per_core_table_named_after_its_relation():
    assert sorted(p.stem for p in suites_dir(EXPECTATIONS).glob("*.json")) == sorted(CORE_TABLES)
    for table in CORE_TABLES:
        suite = import_gx().ExpectationSuite(**read_warehouse_suite(EXPECTATIONS, table))
        assert suite.name == f"core.{table}"
        first = read_warehouse_suite(EXPECTATIONS, table)["expectations"][0]
        assert first["type"] == "expect_table_columns_to_match_ordered_list"


def test_suite_vocabularies_are_the_cleaning_jobs():
    sets = {
        (suite["name"], item["kwargs"]["column"]): item["kwargs"]["value_set"]
        for suite in _suites().values()
        for item in suite["expectations"]
        if item["type"] == "expect_column_values_to_be_in_set"
    }
    for relation in ("core.dim_customer", "core.dim_seller", "core.dim_location"):
        assert sets[(relation, "state")] == list(STATE_CODES)
    assert sets[("core.fact_sales", "order_status")] == list(ORDER_STATUSES)
    assert sets[("core.dim_location", "region")] == [
        "Norte",
        "Nordeste",
        "Centro-Oeste",
        "Sudeste",
        "Sul",
        "Unknown",
    ]


def test_every_dimension_checks_its_single_unknown_member():
    for table in CORE_TABLES:
        if table.startswith("dim_"):
            descriptions = [
                item.get("description", "") for item in _suites()[table]["expectations"]
            ]
            assert any(text.startswith("Exactly one unknown member") for text in descriptions)


@pytest.mark.parametrize(("relation", "query"), _queries())
def test_query_rules_are_named_and_parse_as_redshift_sql(relation, query):
    # GX puts {batch} in an aliased subquery, except in a query with a join, which names its
    # own alias: each query must be written for the form it gets.
    has_join = re.search(r"\bjoin\b", query, re.IGNORECASE) is not None
    aliased = re.search(r"\{batch\}\s+as\s+\w+", query, re.IGNORECASE) is not None
    assert has_join == aliased, query
    batch = f"(select * from {relation} where true)" + ("" if has_join else " as subselect")
    sqlglot.parse_one(query.format(batch=batch), read="redshift")
    sqlglot.parse_one(query.format(batch=batch), read="postgres")


# --- A small warehouse ----------------------------------------------------------------------------


def _drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def template_url(tmp_path_factory) -> Iterator[str]:
    """A warehouse built from ``small_shop()``, the template of each test's copy (unchanged)."""
    url = with_database(resolve_database_url(), f"pipeline_test_wq_{uuid.uuid4().hex[:8]}")
    ensure_database(url)
    try:
        lake = Lake.from_uri(str(tmp_path_factory.mktemp("lake")))
        WarehouseBuilder(PostgresWarehouse(url), lake).run(DAY, small_shop())
        yield url
    finally:
        _drop(url)


@pytest.fixture
def warehouse_url(template_url) -> Iterator[str]:
    template = template_url.rsplit("/", 1)[1]
    copy = with_database(template_url, f"{template}_{uuid.uuid4().hex[:6]}")
    with psycopg.connect(with_database(template_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{copy.rsplit("/", 1)[1]}" template "{template}"')
    try:
        yield copy
    finally:
        _drop(copy)


def execute(url: str, *statements: str) -> None:
    with psycopg.connect(url) as conn:
        for statement in statements:
            conn.execute(statement)


def check(url: str, tmp_path: Path, **kwargs):
    arguments = {
        "run_id": RUN_ID,
        "expectations_dir": EXPECTATIONS,
        "gx_project_dir": tmp_path / "gx",
        "data_docs_uri": str(tmp_path / "docs"),
    }
    return run_warehouse_checks(url, **(arguments | kwargs))


def failing_report(url: str, tmp_path: Path, **kwargs) -> str:
    with pytest.raises(WarehouseChecksFailed) as failure:
        check(url, tmp_path, **kwargs)
    assert isinstance(failure.value, ValidationFailed)  # one except catches both gates
    return str(failure.value)


def failure_lines(report: str, relation: str) -> list[str]:
    return [line.strip() for line in report.splitlines() if line.strip().startswith(relation)]


# --- Outcomes -------------------------------------------------------------------------------


@pytest.mark.integration
def test_the_built_warehouse_passes_every_suite_and_builds_data_docs(warehouse_url, tmp_path):
    result = check(warehouse_url, tmp_path, ingest_date=DAY)

    assert result.success, result.report()
    by_table = result.by_table()
    assert list(by_table) == [f"core.{table}" for table in CORE_TABLES]
    for table in CORE_TABLES:
        suite = read_warehouse_suite(EXPECTATIONS, table)
        assert by_table[f"core.{table}"].evaluated == len(suite["expectations"])
    # 4 order items; u1's two versions, u2's one and the unknown customer
    assert by_table["core.fact_sales"].rows == 4
    assert by_table["core.dim_customer"].rows == 4
    index = tmp_path / "docs" / "index.html"
    assert result.docs_location == str(index) == location(str(tmp_path / "docs"))
    assert "core.fact_sales" in index.read_text()
    pages = list((tmp_path / "docs" / "validations" / "core" / "fact_sales").rglob("*.html"))
    assert len(pages) == 1
    # named like the lake gate's run of the same day, so the index groups them
    assert f"{DAY}_scheduled__2018-10-18T03-00-00-00-00" in pages[0].as_posix()
    # the warehouse URL stays out of the GX project: the datasource refers to a variable
    config = (tmp_path / "gx" / "gx" / "great_expectations.yml").read_text()
    assert warehouse_url not in config
    assert "${OLIST_WAREHOUSE_SQLALCHEMY_URL}" in config


@pytest.mark.integration
def test_a_fact_key_without_its_dimension_row_is_reported(warehouse_url, tmp_path):
    execute(
        warehouse_url,
        "insert into core.fact_sales (order_id, order_item_id, customer_key, product_key,"
        " seller_key, customer_location_key, seller_location_key, purchase_date_key,"
        " order_status, price, freight_value, item_revenue, payment_share, purchased_at)"
        " select order_id, 2, customer_key, 'no-such-product', seller_key,"
        " customer_location_key, seller_location_key, purchase_date_key, order_status,"
        " price, freight_value, item_revenue, 0, purchased_at"
        " from core.fact_sales where order_id = 'o1'",
    )

    report = failing_report(warehouse_url, tmp_path, tables=["fact_sales"])

    (line,) = failure_lines(report, "core.fact_sales")
    assert '"Every product_key has a row in core.dim_product"' in line
    assert "1 unexpected" in line
    assert "'product_key': 'no-such-product'" in line
    assert "'order_id': 'o1', 'order_item_id': 2" in line


@pytest.mark.integration
def test_an_overlapping_customer_version_is_reported(warehouse_url, tmp_path):
    # u1 has [2017-03-01 15:00, 2018-01-10 12:00) in São Paulo and [2018-01-10 12:00, 9999) in
    # Rio; a version from 2017-06-01 to 2018-02-01 overlaps both, so two rows start before
    # their predecessor ends: itself (after the first) and the Rio version (after it).
    execute(
        warehouse_url,
        "insert into core.dim_customer (customer_key, customer_unique_id, zip_code_prefix,"
        " city, state, location_key, valid_from, valid_to, is_current)"
        " select 'overlapping', customer_unique_id, zip_code_prefix, city, state, location_key,"
        " '2017-06-01 00:00+00', '2018-02-01 00:00+00', false"
        " from core.dim_customer where customer_unique_id = 'u1' and not is_current",
    )

    report = failing_report(warehouse_url, tmp_path, tables=["dim_customer"])

    (line,) = failure_lines(report, "core.dim_customer")
    assert '"A customer\'s versions do not overlap": 2 unexpected' in line
    assert "'customer_key': 'overlapping'" in line


@pytest.mark.integration
def test_a_negative_price_is_reported_with_its_value(warehouse_url, tmp_path):
    execute(warehouse_url, "update core.fact_sales set price = -1.50 where order_id = 'o3'")

    report = failing_report(warehouse_url, tmp_path, tables=["fact_sales"])

    lines = failure_lines(report, "core.fact_sales")
    assert (
        "core.fact_sales: expect_column_values_to_be_between on price: 1 unexpected, e.g. ['-1.50']"
    ) in lines
    # o3's item_revenue stays 22.00, no longer price + freight (-1.50 + 2.00)
    (revenue,) = [line for line in lines if "is price + freight_value" in line]
    assert "'price': '-1.50', 'freight_value': '2.00', 'item_revenue': '22.00'" in revenue
    assert len(lines) == 2, report


@pytest.mark.integration
def test_a_second_current_version_and_a_lost_unknown_member_are_reported(warehouse_url, tmp_path):
    execute(
        warehouse_url,
        "update core.dim_customer set is_current = true where customer_unique_id = 'u1'",
        "delete from core.dim_seller where seller_key = '-1'",
    )

    report = failing_report(warehouse_url, tmp_path, tables=["dim_customer", "dim_seller"])

    customer = "\n".join(failure_lines(report, "core.dim_customer"))
    assert '"Exactly one current version per customer": 1 unexpected' in customer
    assert "'customer_unique_id': 'u1', 'current_versions': 2" in customer
    assert '"The current version is the open-ended one (valid_to 9999-12-31)": 1' in customer
    (seller,) = failure_lines(report, "core.dim_seller")
    assert "\"Exactly one unknown member (seller_key '-1')\": 1 unexpected" in seller
    assert "'unknown_members': 0" in seller


@pytest.mark.integration
def test_a_missing_day_and_a_missing_table_are_reported(warehouse_url, tmp_path):
    execute(
        warehouse_url,
        "delete from core.dim_time where calendar_date = '2017-11-24'",
        "drop table core.dim_seller",
    )

    report = failing_report(warehouse_url, tmp_path)

    time_lines = "\n".join(failure_lines(report, "core.dim_time"))
    assert '"The calendar has no missing day": 1 unexpected' in time_lines
    assert "'calendar_date': '2017-11-23', 'next_date': '2017-11-25'" in time_lines
    (seller,) = failure_lines(report, "core.dim_seller")
    assert seller == "core.dim_seller: no such table in the warehouse"
    fact = "\n".join(failure_lines(report, "core.fact_sales"))
    # o3 was bought on 2017-11-24 (São Paulo time): its date key has no day any more
    assert '"Every purchase_date_key has a row in core.dim_time": 1 unexpected' in fact
    assert "Every seller_key has a row in core.dim_seller" in fact  # its query fails
    assert report.splitlines()[-1] == f"Data Docs: {tmp_path / 'docs' / 'index.html'}"


@pytest.mark.integration
def test_data_docs_are_published_to_s3(warehouse_url, tmp_path, s3_client):
    bucket = f"docs-{uuid.uuid4().hex[:8]}"
    s3_client.create_bucket(Bucket=bucket)

    result = check(
        warehouse_url,
        tmp_path,
        tables=["dim_time"],
        data_docs_uri=f"s3://{bucket}/data_docs",
        s3_client=s3_client,
    )

    assert result.docs_location == f"s3://{bucket}/data_docs/index.html"
    index = s3_client.get_object(Bucket=bucket, Key="data_docs/index.html")["Body"].read()
    assert b"core.dim_time" in index


def test_suite_files_are_valid_json_with_notes():
    for table in CORE_TABLES:
        suite = json.loads((suites_dir(EXPECTATIONS) / f"{table}.json").read_text())
        assert suite["notes"]
