"""The lake gate: real GX validations of small processed partitions written here.

The partitions follow the processed contract (the cleaning job's output); each bad-data test
changes one thing in an otherwise good partition and checks that the gate names it.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from olist_pipeline.lake.partitions import Accounting, Lake, ProcessedDetails
from olist_pipeline.quality import gx as gx_module
from olist_pipeline.quality.gx import SCAFFOLD_FILES, import_gx
from olist_pipeline.quality.lake_gate import (
    LakeGateFailed,
    read_suite,
    run_lake_gate,
)
from olist_pipeline.settings import REPO_ROOT
from olist_pipeline.static_sites import location
from olist_pipeline.tables import TABLES

EXPECTATIONS = REPO_ROOT / "expectations"
DAY = "2024-03-01"
RUN_ID = "manual__2024-03-01T00:00:00+00:00"

TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(12, 2)
TOTAL = pa.decimal128(14, 2)
T0 = datetime(2024, 2, 28, 10, 0, tzinfo=UTC)
T1 = datetime(2024, 2, 29, 10, 0, tzinfo=UTC)

ORDER_A, ORDER_B = "a" * 32, "b" * 32
CUSTOMER_A, CUSTOMER_B = "c" * 31 + "1", "c" * 31 + "2"
PRODUCT, SELLER = "d" * 32, "e" * 32


def _tracked(**columns):
    return {**columns, "created_at": [T0] * _length(columns), "updated_at": [T1] * _length(columns)}


def _length(columns) -> int:
    return len(next(iter(columns.values())))


SCHEMAS: dict[str, pa.Schema] = {
    "geolocation": pa.schema(
        [
            ("geolocation_zip_code_prefix", pa.string()),
            ("geolocation_lat", pa.float64()),
            ("geolocation_lng", pa.float64()),
            ("geolocation_city", pa.string()),
            ("geolocation_state", pa.string()),
            ("points", pa.int64()),
            ("updated_at", TS),
        ]
    ),
    "product_categories": pa.schema(
        [
            ("product_category_name", pa.string()),
            ("product_category_name_english", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "sellers": pa.schema(
        [
            ("seller_id", pa.string()),
            ("seller_zip_code_prefix", pa.string()),
            ("seller_city", pa.string()),
            ("seller_state", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", pa.string()),
            ("product_category_name", pa.string()),
            *[
                (name, pa.int32())
                for name in (
                    "product_name_length",
                    "product_description_length",
                    "product_photos_qty",
                    "product_weight_g",
                    "product_length_cm",
                    "product_height_cm",
                    "product_width_cm",
                )
            ],
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("customer_unique_id", pa.string()),
            ("customer_zip_code_prefix", pa.string()),
            ("customer_city", pa.string()),
            ("customer_state", pa.string()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("order_status", pa.string()),
            ("order_purchase_timestamp", TS),
            ("order_approved_at", TS),
            ("order_invoiced_at", TS),
            ("order_canceled_at", TS),
            ("items_count", pa.int32()),
            ("items_price", TOTAL),
            ("items_freight", TOTAL),
            ("items_revenue", TOTAL),
            ("payments_total", TOTAL),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "deliveries": pa.schema(
        [
            ("order_id", pa.string()),
            ("order_delivered_carrier_date", TS),
            ("order_delivered_customer_date", TS),
            ("order_estimated_delivery_date", pa.date32()),
            ("delivery_days", pa.int32()),
            ("delay_days", pa.int32()),
            ("is_on_time", pa.bool_()),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "order_items": pa.schema(
        [
            ("id", pa.int64()),
            ("order_id", pa.string()),
            ("order_item_id", pa.int16()),
            ("product_id", pa.string()),
            ("seller_id", pa.string()),
            ("shipping_limit_date", TS),
            ("price", MONEY),
            ("freight_value", MONEY),
            ("item_revenue", TOTAL),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "payments": pa.schema(
        [
            ("id", pa.int64()),
            ("order_id", pa.string()),
            ("payment_sequential", pa.int16()),
            ("payment_type", pa.string()),
            ("payment_installments", pa.int16()),
            ("payment_value", MONEY),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "reviews": pa.schema(
        [
            ("id", pa.int64()),
            ("review_id", pa.string()),
            ("order_id", pa.string()),
            ("review_score", pa.int16()),
            ("review_comment_title", pa.string()),
            ("review_comment_message", pa.string()),
            ("review_creation_date", TS),
            ("review_answer_timestamp", TS),
            ("created_at", TS),
            ("updated_at", TS),
        ]
    ),
    "deleted_rows": pa.schema(
        [
            ("id", pa.int64()),
            ("table_name", pa.string()),
            ("row_key", pa.string()),
            ("natural_key", pa.string()),
            ("deleted_at", TS),
        ]
    ),
}


def good_rows() -> dict[str, dict[str, list]]:
    """A tiny, consistent processed partition: two orders, one of them delivered late."""
    return {
        "geolocation": {
            "geolocation_zip_code_prefix": ["01001", "20010"],
            "geolocation_lat": [-23.55, -22.90],
            "geolocation_lng": [-46.63, -43.17],
            "geolocation_city": ["sao paulo", "rio de janeiro"],
            "geolocation_state": ["SP", "RJ"],
            "points": [12, 3],
            "updated_at": [T1, T1],
        },
        "product_categories": _tracked(
            product_category_name=["beleza_saude", "pc_gamer"],
            product_category_name_english=["health_beauty", None],
        ),
        "sellers": _tracked(
            seller_id=[SELLER],
            seller_zip_code_prefix=["01001"],
            seller_city=["sao paulo"],
            seller_state=["SP"],
        ),
        "products": _tracked(
            product_id=[PRODUCT],
            product_category_name=[None],
            product_name_length=[40],
            product_description_length=[None],
            product_photos_qty=[1],
            product_weight_g=[0],
            product_length_cm=[16],
            product_height_cm=[10],
            product_width_cm=[11],
        ),
        "customers": _tracked(
            customer_id=[CUSTOMER_A, CUSTOMER_B],
            customer_unique_id=["f" * 32, "f" * 32],
            customer_zip_code_prefix=["20010", "20010"],
            customer_city=["rio de janeiro", "rio de janeiro"],
            customer_state=["RJ", "RJ"],
        ),
        "orders": _tracked(
            order_id=[ORDER_A, ORDER_B],
            customer_id=[CUSTOMER_A, CUSTOMER_B],
            order_status=["delivered", "canceled"],
            order_purchase_timestamp=[T0, T0],
            order_approved_at=[T0, None],
            order_invoiced_at=[T0, None],
            order_canceled_at=[None, T1],
            items_count=[2, 0],
            items_price=[Decimal("30.00"), Decimal("0.00")],
            items_freight=[Decimal("8.50"), Decimal("0.00")],
            items_revenue=[Decimal("38.50"), Decimal("0.00")],
            payments_total=[Decimal("38.50"), Decimal("0.00")],
        ),
        "deliveries": _tracked(
            order_id=[ORDER_A],
            order_delivered_carrier_date=[T0],
            order_delivered_customer_date=[T1],
            order_estimated_delivery_date=[date(2024, 2, 28)],
            delivery_days=[1],
            delay_days=[1],
            is_on_time=[False],
        ),
        "order_items": _tracked(
            id=[1, 2],
            order_id=[ORDER_A, ORDER_A],
            order_item_id=[1, 2],
            product_id=[PRODUCT, PRODUCT],
            seller_id=[SELLER, SELLER],
            shipping_limit_date=[T1, T1],
            price=[Decimal("10.00"), Decimal("20.00")],
            freight_value=[Decimal("4.25"), Decimal("4.25")],
            item_revenue=[Decimal("14.25"), Decimal("24.25")],
        ),
        "payments": _tracked(
            id=[7],
            order_id=[ORDER_A],
            payment_sequential=[1],
            payment_type=["credit_card"],
            payment_installments=[3],
            payment_value=[Decimal("38.50")],
        ),
        "reviews": _tracked(
            id=[9],
            review_id=["9" * 32],
            order_id=[ORDER_A],
            review_score=[2],
            review_comment_title=[None],
            review_comment_message=["chegou atrasado"],
            review_creation_date=[T1],
            review_answer_timestamp=[None],
        ),
        "deleted_rows": {
            "id": [3],
            "table_name": ["reviews"],
            "row_key": ["8"],
            "natural_key": ['{"review_id": "' + "8" * 32 + '", "order_id": "' + ORDER_B + '"}'],
            "deleted_at": [T1],
        },
    }


def write_partition(
    lake: Lake,
    table: str,
    rows: dict[str, list],
    *,
    schema: pa.Schema | None = None,
    rejected: int = 0,
    duplicates: int = 0,
) -> None:
    schema = schema or SCHEMAS[table]
    data = pa.table({f.name: pa.array(rows[f.name], type=f.type) for f in schema}, schema=schema)
    processed = data.num_rows
    accounting = Accounting(
        raw_rows=processed + rejected + duplicates,
        processed_rows=processed,
        rejected_rows=rejected,
        duplicates_removed=duplicates,
    )
    with lake.write_parquet(
        "processed", table, DAY, schema, run_id=RUN_ID, details=cleaned(accounting)
    ) as writer:
        writer.write_table(data)


def cleaned(accounting: Accounting) -> ProcessedDetails:
    return ProcessedDetails(accounting=accounting, raw_run_id="extract-1", raw_checksum="0" * 64)


def write_good(lake: Lake, **changes: dict[str, list]) -> None:
    """Every table's good partition, with ``changes`` replacing some tables' rows."""
    rows = good_rows()
    for table, replacement in changes.items():
        rows[table] = replacement
    for table in SCHEMAS:
        write_partition(lake, table, rows[table])


def _only(lake: Lake, **tables: dict[str, list]) -> dict:
    """Write just these tables' partitions; the gate arguments that validate only them."""
    for table, rows in tables.items():
        write_partition(lake, table, rows)
    return {"tables": list(tables)}


def gate(lake: Lake, tmp_path: Path, *, run_id: str = RUN_ID, **kwargs):
    return run_lake_gate(
        lake,
        DAY,
        run_id=run_id,
        expectations_dir=EXPECTATIONS,
        gx_project_dir=tmp_path / "gx",
        data_docs_uri=str(tmp_path / "docs"),
        **kwargs,
    )


def failing_report(lake: Lake, tmp_path: Path, **kwargs) -> str:
    with pytest.raises(LakeGateFailed) as failure:
        gate(lake, tmp_path, **kwargs)
    return str(failure.value)


# --- Suites ---------------------------------------------------------------------------------


def test_one_suite_per_processed_table_named_after_it():
    assert sorted(p.stem for p in EXPECTATIONS.glob("*.json")) == sorted(t.name for t in TABLES)
    for table in TABLES:
        suite = import_gx().ExpectationSuite(**read_suite(EXPECTATIONS, table.name))
        assert suite.name == table.name
        assert 0 < read_suite(EXPECTATIONS, table.name)["meta"]["max_reject_rate"] < 1
        types = {expectation.expectation_type for expectation in suite.expectations}
        assert "expect_table_columns_to_match_ordered_list" in types
        assert "expect_table_row_count_to_be_between" in types


def test_suite_schemas_match_the_processed_contract():
    for table, schema in SCHEMAS.items():
        first = read_suite(EXPECTATIONS, table)["expectations"][0]
        assert first["type"] == "expect_table_columns_to_match_ordered_list"
        assert first["kwargs"]["column_list"] == schema.names


# --- Outcomes -------------------------------------------------------------------------------


def test_good_data_passes_every_suite_and_builds_data_docs(lake, tmp_path):
    write_good(lake)

    result = gate(lake, tmp_path)

    assert result.success
    assert [t.table for t in result.tables] == [t.name for t in TABLES]
    for table in result.tables:
        assert table.failed == 0
        assert table.evaluated == len(read_suite(EXPECTATIONS, table.table)["expectations"])
    assert result.by_table()["order_items"].rows == 2
    index = tmp_path / "docs" / "index.html"
    assert result.docs_location == str(index) == location(str(tmp_path / "docs"))
    assert index.is_file()
    assert "order_items" in index.read_text()
    pages = list((tmp_path / "docs" / "validations" / "order_items").rglob("*.html"))
    assert len(pages) == 1


def test_the_gate_logs_its_report_without_gx_s_info_chatter(lake, tmp_path, caplog):
    write_good(lake)
    caplog.set_level(logging.INFO)

    gate(lake, tmp_path)

    gx_info = [r for r in caplog.records if r.name.split(".")[0] == "great_expectations"]
    assert gx_info == [], gx_info[:3]


def test_a_level_the_deployment_set_on_gx_s_logger_is_kept():
    gx_logger = logging.getLogger("great_expectations")
    before = gx_logger.level
    gx_logger.setLevel(logging.INFO)  # as Airflow's [logging] namespace_levels would
    try:
        import_gx()
        assert gx_logger.level == logging.INFO
    finally:
        gx_logger.setLevel(before)


def test_gx_does_not_fingerprint_the_partition_it_validates(lake, tmp_path):
    # GX would hash every value of each frame (Decimals one by one) for this marker; the
    # partition's manifest already identifies it (gx.PANDAS_FINGERPRINT_MAX_BYTES).
    write_good(lake)

    gate(lake, tmp_path, tables=["order_items"])

    stored = list((tmp_path / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 1
    markers = json.loads(stored[0].read_text())["meta"]["batch_markers"]
    assert "ge_load_time" in markers
    assert "pandas_data_fingerprint" not in markers


def test_validation_history_accumulates_in_data_docs(lake, tmp_path):
    write_good(lake)
    gate(lake, tmp_path, tables=["orders"])
    gate(lake, tmp_path, run_id="scheduled__2024-03-02", tables=["orders"])

    pages = list((tmp_path / "docs" / "validations" / "orders").rglob("*.html"))
    assert len(pages) == 2
    assert "scheduled__2024-03-02" in (tmp_path / "docs" / "index.html").read_text()


def test_the_data_docs_index_links_the_newest_results_and_every_page_stays(
    lake, tmp_path, monkeypatch
):
    # GX reads every result the index lists; a limit keeps a long history from slowing each run
    monkeypatch.setattr(gx_module, "DATA_DOCS_INDEX_LIMIT", 2)
    write_good(lake)
    for run_id in ("scheduled__day-1", "scheduled__day-2", "scheduled__day-3"):
        gate(lake, tmp_path, run_id=run_id, tables=["orders"])

    index = (tmp_path / "docs" / "index.html").read_text()
    assert "day-1" not in index
    assert "day-2" in index and "day-3" in index
    pages = list((tmp_path / "docs" / "validations" / "orders").rglob("*.html"))
    assert sorted(page.parent.parent.name.rsplit("-", 1)[1] for page in pages) == ["1", "2", "3"]


def test_a_gate_killed_while_gx_wrote_its_project_files_does_not_stop_the_next(lake, tmp_path):
    # GX writes its project's YAML in place: a kill between open and write leaves it empty, and
    # GX's own reader then fails on every later run ('NoneType' object is not iterable).
    write_good(lake)
    gate(lake, tmp_path, tables=["orders"])
    for name in SCAFFOLD_FILES:
        (tmp_path / "gx" / name).write_text("")

    result = gate(lake, tmp_path, tables=["orders"])

    assert result.success
    assert all((tmp_path / "gx" / name).stat().st_size > 0 for name in SCAFFOLD_FILES)
    pages = list((tmp_path / "docs" / "validations" / "orders").rglob("*.html"))
    assert len(pages) == 2, "the earlier validation's page stays in the Data Docs"


def test_an_empty_partition_passes(lake, tmp_path):
    for table, schema in SCHEMAS.items():
        write_partition(lake, table, {name: [] for name in schema.names})

    result = gate(lake, tmp_path)

    assert result.success
    assert {t.rows for t in result.tables} == {0}


def test_a_partition_committed_without_files_passes(lake, tmp_path):
    lake.commit(
        "processed",
        "payments",
        DAY,
        run_id=RUN_ID,
        files=[],
        schema=SCHEMAS["payments"],
        details=cleaned(Accounting(0, 0, 0, 0)),
    )

    result = gate(lake, tmp_path, tables=["payments"])

    assert result.success


def test_duplicate_key_fails(lake, tmp_path):
    rows = good_rows()["order_items"]
    rows["order_item_id"] = [1, 1]

    report = failing_report(lake, tmp_path, **_only(lake, order_items=rows))

    assert "order_items: expect_compound_columns_to_be_unique on order_id, order_item_id" in report
    assert ORDER_A in report


def test_null_key_fails(lake, tmp_path):
    rows = good_rows()["sellers"]
    rows["seller_id"] = [None]

    report = failing_report(lake, tmp_path, **_only(lake, sellers=rows))

    assert "sellers: expect_column_values_to_not_be_null on seller_id: 1 unexpected" in report


def test_bad_state_fails(lake, tmp_path):
    rows = good_rows()["customers"]
    rows["customer_state"] = ["RJ", "XX"]

    report = failing_report(lake, tmp_path, **_only(lake, customers=rows))

    assert "customers: expect_column_values_to_be_in_set on customer_state: 1 unexpected" in report
    assert "'XX'" in report


def test_ids_and_cities_off_their_patterns_fail(lake, tmp_path):
    rows = good_rows()["customers"]
    # a whole value must match: an id with a trailing newline is not a 32-hex id
    rows["customer_id"] = [CUSTOMER_A.upper(), CUSTOMER_B + "\n"]
    rows["customer_city"] = ["Rio de Janeiro", "rio de janeiro "]

    report = failing_report(lake, tmp_path, **_only(lake, customers=rows))

    assert "customers: expect_column_values_to_match_regex on customer_id: 2 unexpected" in report
    assert (
        "customers: expect_column_values_to_not_match_regex on customer_city: 2 unexpected"
        in report
    )
    assert CUSTOMER_A.upper() in report


def test_out_of_range_score_fails(lake, tmp_path):
    write_good(lake)
    rows = good_rows()["reviews"]
    rows["review_score"] = [7]
    write_partition(lake, "reviews", rows)

    report = failing_report(lake, tmp_path)

    assert "1 of 11 tables failed" in report
    assert "reviews: expect_column_values_to_be_between on review_score: 1 unexpected" in report
    assert "[7]" in report


def test_money_below_zero_fails_with_its_value(lake, tmp_path):
    rows = good_rows()["order_items"]
    rows["freight_value"] = [Decimal("4.25"), Decimal("-0.01")]
    write_good(lake, order_items=rows)

    report = failing_report(lake, tmp_path, tables=["orders", "order_items"])

    assert "1 of 2 tables failed" in report
    assert (
        "order_items: expect_column_values_to_be_between on freight_value: 1 unexpected" in report
    )
    assert "-0.01" in report


def test_a_price_of_exactly_the_suite_s_maximum_passes(lake, tmp_path):
    # Compared with the bound as the suite writes it, not with its float (gx_range_rule).
    rows = good_rows()["order_items"]
    rows["price"] = [Decimal("10.00"), Decimal("9999999999.99")]
    rows["item_revenue"] = [Decimal("14.25"), Decimal("10000000004.24")]
    write_good(lake, order_items=rows)

    result = gate(lake, tmp_path, tables=["orders", "order_items"])

    assert result.success


def test_orphan_order_item_fails(lake, tmp_path):
    orphan = "0" * 32
    rows = good_rows()["order_items"]
    rows["order_id"] = [ORDER_A, orphan]
    write_good(lake, order_items=rows)

    report = failing_report(lake, tmp_path, tables=["orders", "order_items"])

    assert "order_items: expect_column_values_to_not_be_in_set on order_id: 1 unexpected" in report
    assert orphan in report


def test_reject_rate_above_the_limit_fails(lake, tmp_path):
    write_good(lake)
    rows = good_rows()["payments"]
    write_partition(lake, "payments", rows, rejected=1, duplicates=2)

    report = failing_report(lake, tmp_path, tables=["payments"])

    assert (
        "payments: expect_table_row_count_to_be_between: observed 1 processed rows, "
        "expected 2..2: 1 of 4 raw rows rejected (25.00%; max_reject_rate 1%), "
        "2 duplicates removed"
    ) in report


def test_reject_rate_within_the_limit_passes(lake, tmp_path):
    # 153 raw points: 150 collapsed into the 2 prefixes' medians, 1 outside Brazil (0.65%).
    write_partition(lake, "geolocation", good_rows()["geolocation"], rejected=1, duplicates=150)

    result = gate(lake, tmp_path, tables=["geolocation"])

    assert result.success


def test_missing_column_fails(lake, tmp_path):
    schema = SCHEMAS["payments"].remove(SCHEMAS["payments"].get_field_index("payment_type"))
    write_good(lake)
    write_partition(lake, "payments", good_rows()["payments"], schema=schema)

    report = failing_report(lake, tmp_path, tables=["orders", "payments"])

    assert (
        "payments: expect_table_columns_to_match_ordered_list: observed missing ['payment_type']"
    ) in report
    assert (
        "payments: expect_column_values_to_be_in_set on payment_type: could not be evaluated: "
        "no column payment_type"
    ) in report


def test_wrong_column_type_fails(lake, tmp_path):
    fields = [
        pa.field("price", pa.float64()) if f.name == "price" else f for f in SCHEMAS["order_items"]
    ]
    rows = good_rows()["order_items"]
    rows["price"] = [10.0, 20.0]
    write_good(lake)
    write_partition(lake, "order_items", rows, schema=pa.schema(fields))

    report = failing_report(lake, tmp_path, tables=["orders", "order_items"])

    assert "order_items: expect_column_values_to_be_of_type on price" in report


def test_missing_partition_fails(lake, tmp_path):
    report = failing_report(lake, tmp_path, tables=["orders"])

    assert f"orders: no committed processed partition ingest_date={DAY}" in report


def test_failure_names_expectations_in_the_gate_result(lake, tmp_path):
    rows = good_rows()["products"]
    rows["product_weight_g"] = [-5]
    _only(lake, products=rows)

    with pytest.raises(LakeGateFailed) as failure:
        gate(lake, tmp_path, tables=["products"])

    products = failure.value.result.by_table()["products"]
    assert not products.success
    assert products.failed == 1
    assert products.failures[0].column == "product_weight_g"
    assert products.failures[0].samples == (-5,)
    assert (tmp_path / "docs" / "index.html").is_file()


# --- Data Docs on S3 ------------------------------------------------------------------------


@pytest.mark.integration
def test_data_docs_are_published_to_s3(lake, tmp_path, s3_client):
    bucket = f"docs-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    write_good(lake)
    docs_uri = f"s3://{bucket}/data_docs"

    for run_id in ("run-1", "run-2"):
        result = run_lake_gate(
            lake,
            DAY,
            run_id=run_id,
            expectations_dir=EXPECTATIONS,
            gx_project_dir=tmp_path / "gx",
            data_docs_uri=docs_uri,
            tables=["orders", "payments"],
            s3_client=s3_client,
        )

    assert result.docs_location == f"{docs_uri}/index.html"
    index = s3_client.get_object(Bucket=bucket, Key="data_docs/index.html")
    assert index["ContentType"] == "text/html"
    assert "run-2" in index["Body"].read().decode()
    keys = [
        item["Key"]
        for item in s3_client.list_objects_v2(
            Bucket=bucket, Prefix="data_docs/validations/orders/"
        )["Contents"]
    ]
    assert len(keys) == 2
    # the site's own copies of GX's CDN assets went with it (data_docs_offline)
    s3_client.head_object(
        Bucket=bucket, Key="data_docs/static/vendor/jquery@3.7.1/dist/jquery.min.js"
    )
    # the local build's stamp (data_docs_offline.STAMP) is not part of the published site
    published = s3_client.list_objects_v2(Bucket=bucket, Prefix="data_docs/")["Contents"]
    assert not [item["Key"] for item in published if item["Key"].rsplit("/", 1)[1].startswith(".")]
    assert not (tmp_path / "docs").exists()
