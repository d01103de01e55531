"""The cleaning transforms on a local Spark session, with tiny hand-written raw frames."""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pyspark.sql import functions as F

from olist_cleaning.accounting import AccountingError, Outcomes, account
from olist_cleaning.arguments import parse_tables
from olist_cleaning.rules import mark_duplicates, normalise_state, normalise_text
from olist_cleaning.schemas import PROCESSED
from olist_cleaning.spark import conform, raw_schema
from olist_cleaning.transforms import (
    clean_customers,
    clean_deleted_rows,
    clean_deliveries,
    clean_geolocation,
    clean_order_items,
    clean_orders,
    clean_payments,
    clean_reviews,
    collapse_geolocation,
    with_delivery_times,
    with_order_totals,
)
from olist_pipeline.tables import BY_NAME

CREATED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
ORDER = "a" * 32
OTHER_ORDER = "b" * 32
CUSTOMER = "c" * 32
PRODUCT = "d" * 32
SELLER = "e" * 32


def raw_frame(spark, table: str, rows: list[dict]):
    """A raw frame of ``table``: each row's missing columns take a plausible default."""
    defaults = {
        "created_at": CREATED,
        "updated_at": CREATED,
        "id": None,
        "customer_id": CUSTOMER,
        "customer_unique_id": "f" * 32,
        "customer_zip_code_prefix": "01310",
        "customer_city": "sao paulo",
        "customer_state": "SP",
        "order_id": ORDER,
        "order_status": "delivered",
        "order_purchase_timestamp": datetime(2018, 1, 10, 15, 0, tzinfo=UTC),
        "order_item_id": 1,
        "product_id": PRODUCT,
        "seller_id": SELLER,
        "shipping_limit_date": datetime(2018, 1, 12, tzinfo=UTC),
        "price": Decimal("10.00"),
        "freight_value": Decimal("2.50"),
        "payment_sequential": 1,
        "payment_type": "credit_card",
        "payment_installments": 1,
        "payment_value": Decimal("12.50"),
        "review_id": "9" * 32,
        "review_score": 5,
        "review_creation_date": datetime(2018, 1, 20, tzinfo=UTC),
        "order_estimated_delivery_date": date(2018, 1, 25),
    }
    schema = raw_schema(BY_NAME[table])
    records = []
    for index, row in enumerate(rows, start=1):
        values = {**defaults, "id": index, **row}
        records.append(tuple(values.get(field.name) for field in schema.fields))
    return spark.createDataFrame(records, schema)


def by_key(df, key: str) -> dict:
    return {row[key]: row.asDict() for row in df.collect()}


def test_mark_duplicates_keeps_the_latest_version_of_each_key(spark):
    raw = raw_frame(
        spark,
        "customers",
        [
            {"customer_city": "old", "updated_at": datetime(2024, 1, 1, tzinfo=UTC)},
            {"customer_city": "new", "updated_at": datetime(2024, 2, 1, tzinfo=UTC)},
            {"customer_id": "1" * 32, "customer_city": "alone"},
        ],
    )
    marked = mark_duplicates(raw, ("customer_id",), "updated_at")
    kept = sorted(row.customer_city for row in marked.filter(~F.col("_duplicate")).collect())
    assert kept == ["alone", "new"]


def test_conform_casts_to_the_declared_types_in_order(spark):
    loose = spark.createDataFrame(
        [("x" * 32, 3, "not used")], "review_id string, review_score long, extra string"
    )
    columns = {column.name: column for column in BY_NAME["reviews"].columns}
    wanted = (columns["review_score"], columns["review_id"])
    conformed = conform(loose, wanted)
    assert conformed.columns == ["review_score", "review_id"]
    schema = raw_schema(BY_NAME["reviews"])
    assert [(f.name, f.dataType) for f in conformed.schema] == [
        (f.name, f.dataType) for f in (schema["review_score"], schema["review_id"])
    ]
    assert conformed.first().review_score == 3
    with pytest.raises(ValueError, match="missing"):
        conform(loose, BY_NAME["reviews"].columns)


def test_text_is_trimmed_lower_case_and_without_accents(spark):
    frame = spark.createDataFrame(
        [("  São  Paulo ", "  rj"), ("MOGI DAS CRUZES", "Sp"), ("Itaú de Minas", "mg ")],
        "city string, state string",
    )
    rows = frame.select(normalise_text("city").alias("c"), normalise_state("state").alias("s"))
    assert [(r.c, r.s) for r in rows.collect()] == [
        ("sao paulo", "RJ"),
        ("mogi das cruzes", "SP"),
        ("itau de minas", "MG"),
    ]


def test_customers_normalise_places_and_reject_invalid_ones(spark):
    raw = raw_frame(
        spark,
        "customers",
        [
            {"customer_id": "1" * 32, "customer_zip_code_prefix": "1037", "customer_state": " sp"},
            {"customer_id": "2" * 32, "customer_zip_code_prefix": "123456"},
            {"customer_id": "3" * 32, "customer_zip_code_prefix": "12a45"},
            {"customer_id": "4" * 32, "customer_state": "XX"},
            {"customer_id": "5" * 32, "customer_city": "  São Paulo "},
            {"customer_id": "NOT-AN-ID"},
        ],
    )
    cleaning = clean_customers(raw)
    valid = by_key(cleaning.valid, "customer_id")
    assert valid["1" * 32]["customer_zip_code_prefix"] == "01037"
    assert valid["1" * 32]["customer_state"] == "SP"
    assert valid["5" * 32]["customer_city"] == "sao paulo"
    rejected = by_key(cleaning.rejected, "customer_id")
    assert rejected["2" * 32]["reject_reason"] == (
        "customer_zip_code_prefix '123456' is not a zip prefix of 5 digits"
    )
    assert "'12a45'" in rejected["3" * 32]["reject_reason"]
    assert rejected["4" * 32]["reject_reason"] == "customer_state 'XX' is not a Brazilian state"
    assert rejected["NOT-AN-ID"]["reject_reason"] == (
        "customer_id 'NOT-AN-ID' is not 32 lower-case hex digits"
    )
    # Rejected rows are written as they arrived, not normalised.
    assert cleaning.rejected.columns == [*BY_NAME["customers"].column_names, "reject_reason"]
    assert rejected["4" * 32]["customer_zip_code_prefix"] == "01310"


def test_geolocation_collapses_to_one_median_point_per_zip_prefix(spark):
    def point(zip_prefix: str, lat: float, lng: float, city: str) -> dict:
        return {
            "geolocation_zip_code_prefix": zip_prefix,
            "geolocation_lat": lat,
            "geolocation_lng": lng,
            "geolocation_city": city,
            "geolocation_state": "SP",
        }

    raw = raw_frame(
        spark,
        "geolocation",
        [
            point("01001", -23.0, -46.0, "São Paulo"),
            point("01001", -23.2, -46.4, "sao paulo"),
            point("01001", -23.6, -46.2, "sampa"),
            point("01001", 40.7, -74.0, "new york"),
            point("1002", -23.1, -46.1, "osasco"),
            point("1002", -23.3, -46.3, "osasco"),
        ],
    )
    cleaning = clean_geolocation(raw)
    collapsed = by_key(
        conform(collapse_geolocation(cleaning.valid), PROCESSED["geolocation"]),
        "geolocation_zip_code_prefix",
    )
    assert set(collapsed) == {"01001", "01002"}
    first = collapsed["01001"]
    assert (first["geolocation_lat"], first["geolocation_lng"]) == (-23.2, -46.2)
    assert (first["geolocation_city"], first["points"]) == ("sao paulo", 3)
    second = collapsed["01002"]
    assert second["geolocation_lat"] == pytest.approx(-23.2)  # the mean of the middle two
    assert second["points"] == 2
    [outside] = cleaning.rejected.collect()
    assert outside.geolocation_city == "new york"
    assert outside.reject_reason == "geolocation_lat 40.7 is outside -33.75..5.27"


def test_the_most_common_value_is_the_lowest_on_a_tie(spark):
    """The geolocation's city and state: the most common value, the lowest on a tie, null for
    none, written with functions Spark 3.5 (Glue 5) has too."""
    from olist_cleaning.transforms import _most_common

    rows = [(1, "b"), (1, "a"), (1, "b"), (1, "a"), (1, None), (2, None), (3, "c")]
    df = spark.createDataFrame(rows, "g int, v string")
    assert sorted(df.groupBy("g").agg(_most_common("v").alias("v")).collect()) == [
        (1, "a"),
        (2, None),
        (3, "c"),
    ]


def test_the_most_common_value_is_spark_4s_deterministic_mode(spark):
    """The same as Spark 4's ``mode(..., deterministic=True)`` (which Spark 3.5 lacks), on
    random groups with ties and nulls."""
    import pyspark
    from pyspark.sql import functions as F

    from olist_cleaning.transforms import _most_common

    if int(pyspark.__version__.split(".")[0]) < 4:
        pytest.skip(f"mode(..., deterministic=True) is Spark 4's; this is {pyspark.__version__}")
    generator = random.Random(7)
    rows = [
        (generator.randint(1, 200), generator.choice(["a", "b", "c", "são", "sao", None]))
        for _ in range(3000)
    ]
    df = spark.createDataFrame(rows, "group_id int, value string")
    expected = df.groupBy("group_id").agg(F.mode("value", deterministic=True).alias("value"))
    actual = df.groupBy("group_id").agg(_most_common("value").alias("value"))
    assert sorted(actual.collect()) == sorted(expected.collect())


def test_order_rules_reject_unknown_statuses_and_missing_customers(spark):
    customers = clean_customers(raw_frame(spark, "customers", [{}]))
    raw = raw_frame(
        spark,
        "orders",
        [
            {"order_id": ORDER},
            {"order_id": "1" * 32, "order_status": "lost"},
            {"order_id": "2" * 32, "customer_id": "0" * 32},
        ],
    )
    cleaning = clean_orders(raw, customers.valid)
    assert [row.order_id for row in cleaning.valid.collect()] == [ORDER]
    rejected = by_key(cleaning.rejected, "order_id")
    assert rejected["1" * 32]["reject_reason"].startswith("order_status 'lost' is not one of")
    assert rejected["2" * 32]["reject_reason"] == (
        f"customer_id '{'0' * 32}' has no valid customer in this partition"
    )


def _orders(spark, rows: list[dict]):
    customers = clean_customers(raw_frame(spark, "customers", [{}]))
    return clean_orders(raw_frame(spark, "orders", rows), customers.valid).valid


def test_order_parts_without_their_order_product_or_seller_are_rejected(spark):
    orders = _orders(spark, [{"order_id": ORDER}])
    products = spark.createDataFrame([(PRODUCT,)], "product_id string")
    sellers = spark.createDataFrame([(SELLER,)], "seller_id string")
    items = clean_order_items(
        raw_frame(
            spark,
            "order_items",
            [
                {"order_item_id": 1},
                {"order_item_id": 2, "product_id": "0" * 32},
                {"order_item_id": 3, "seller_id": "0" * 32},
                {"order_id": OTHER_ORDER},
                {"order_item_id": 4, "price": Decimal("-1.00")},
            ],
        ),
        orders,
        products,
        sellers,
    )
    assert [row.order_item_id for row in items.valid.collect()] == [1]
    reasons = sorted(row.reject_reason for row in items.rejected.collect())
    assert reasons == [
        f"order_id '{OTHER_ORDER}' has no valid order in this partition",
        "price -1.00 is negative",
        f"product_id '{'0' * 32}' has no valid product in this partition",
        f"seller_id '{'0' * 32}' has no valid seller in this partition",
    ]
    payments = clean_payments(
        raw_frame(
            spark,
            "payments",
            [{}, {"payment_sequential": 2, "payment_type": "cash"}, {"order_id": OTHER_ORDER}],
        ),
        orders,
    )
    assert payments.valid.count() == 1
    assert {row.reject_reason.split(" ")[0] for row in payments.rejected.collect()} == {
        "payment_type",
        "order_id",
    }
    reviews = clean_reviews(
        raw_frame(spark, "reviews", [{}, {"review_id": "8" * 32, "review_score": 6}]), orders
    )
    [bad_review] = reviews.rejected.collect()
    assert bad_review.reject_reason == "review_score 6 is outside 1..5"


def test_order_totals_sum_valid_items_and_payments(spark):
    orders = _orders(spark, [{"order_id": ORDER}, {"order_id": OTHER_ORDER}])
    items = raw_frame(
        spark,
        "order_items",
        [
            {"order_item_id": 1, "price": Decimal("10.00"), "freight_value": Decimal("2.50")},
            {"order_item_id": 2, "price": Decimal("5.25"), "freight_value": Decimal("1.00")},
        ],
    )
    payments = raw_frame(
        spark,
        "payments",
        [
            {"payment_sequential": 1, "payment_value": Decimal("15.00")},
            {"payment_sequential": 2, "payment_value": Decimal("3.75")},
        ],
    )
    totals = by_key(
        conform(with_order_totals(orders, items, payments), PROCESSED["orders"]), "order_id"
    )
    assert totals[ORDER]["items_count"] == 2
    assert totals[ORDER]["items_price"] == Decimal("15.25")
    assert totals[ORDER]["items_freight"] == Decimal("3.50")
    assert totals[ORDER]["items_revenue"] == Decimal("18.75")
    assert totals[ORDER]["payments_total"] == Decimal("18.75")
    empty = totals[OTHER_ORDER]
    assert (empty["items_count"], empty["items_revenue"], empty["payments_total"]) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_delivery_days_delay_and_on_time_use_sao_paulo_dates(spark):
    late, on_time, pending, midnight = ("1" * 32, "2" * 32, "3" * 32, "4" * 32)
    # Every order was placed on 2018-01-10 at 15:00 UTC, 13:00 in São Paulo (summer time).
    orders = _orders(spark, [{"order_id": key} for key in (late, on_time, pending, midnight)])

    def delivered(order_id: str, at: datetime | None) -> dict:
        return {"order_id": order_id, "order_delivered_customer_date": at}

    raw = raw_frame(
        spark,
        "deliveries",
        [
            delivered(late, datetime(2018, 1, 28, 12, tzinfo=UTC)),
            delivered(on_time, datetime(2018, 1, 20, 12, tzinfo=UTC)),
            delivered(pending, None),
            # 01:00 UTC on the 26th is still the 25th in São Paulo: on time, not late.
            delivered(midnight, datetime(2018, 1, 26, 1, tzinfo=UTC)),
            delivered(OTHER_ORDER, None),
        ],
    )
    deliveries = clean_deliveries(raw, orders)
    rows = by_key(
        conform(with_delivery_times(deliveries.valid), PROCESSED["deliveries"]), "order_id"
    )
    assert (rows[late]["delivery_days"], rows[late]["delay_days"], rows[late]["is_on_time"]) == (
        18,
        3,
        False,
    )
    assert (rows[on_time]["delay_days"], rows[on_time]["is_on_time"]) == (-5, True)
    assert (rows[midnight]["delivery_days"], rows[midnight]["delay_days"]) == (15, 0)
    assert rows[midnight]["is_on_time"] is True
    assert (rows[pending]["delivery_days"], rows[pending]["is_on_time"]) == (None, None)
    [orphan] = deliveries.rejected.collect()
    assert orphan.order_id == OTHER_ORDER


def test_tombstones_get_their_natural_key_and_unknown_tables_are_rejected(spark):
    raw = raw_frame(
        spark,
        "deleted_rows",
        [
            {
                "table_name": "order_items",
                "row_key": "17",
                "row_data": json.dumps({"id": 17, "order_id": ORDER, "order_item_id": 2}),
                "deleted_at": CREATED,
            },
            {"table_name": "carts", "row_key": "1", "row_data": "{}", "deleted_at": CREATED},
            {"table_name": "sellers", "row_key": "x", "row_data": "{}", "deleted_at": CREATED},
        ],
    )
    cleaning = clean_deleted_rows(raw)
    [kept] = conform(cleaning.valid, PROCESSED["deleted_rows"]).collect()
    assert json.loads(kept.natural_key) == {"order_id": ORDER, "order_item_id": 2}
    reasons = sorted(row.reject_reason for row in cleaning.rejected.collect())
    assert reasons == [
        "row_data lacks the natural key of sellers",
        "table_name 'carts' is not a table of the lake",
    ]


def count_outcomes(cleaning) -> Outcomes:
    """The outcomes of ``cleaning`` in a Spark job of their own (the job counts them while it
    writes the processed rows; see ``Cleaning.observed``)."""
    return cleaning.outcomes(cleaning.classified.agg(*cleaning.outcome_columns()).first().asDict())


def test_outcomes_are_counted_and_accounting_must_balance(spark):
    raw = raw_frame(
        spark,
        "customers",
        [
            {"updated_at": datetime(2024, 1, 1, tzinfo=UTC)},
            {"updated_at": datetime(2024, 2, 1, tzinfo=UTC)},
            {"customer_id": "1" * 32, "customer_state": "XX"},
            {"customer_id": "2" * 32},
        ],
    )
    outcomes = count_outcomes(clean_customers(raw))
    assert outcomes == Outcomes(
        duplicates=1, valid=2, rejected=1, reasons={"customer_state.not_a_state": 1}
    )
    assert asdict(
        account("customers", raw_rows=4, outcomes=outcomes, processed_rows=2, rejected_rows=1)
    ) == {"raw_rows": 4, "processed_rows": 2, "rejected_rows": 1, "duplicates_removed": 1}
    with pytest.raises(AccountingError, match="customers"):
        account("customers", raw_rows=4, outcomes=outcomes, processed_rows=1, rejected_rows=1)
    # Geolocation counts the valid rows merged into a zip prefix's row as duplicates removed.
    merged = account(
        "geolocation",
        raw_rows=10,
        outcomes=Outcomes(duplicates=0, valid=9, rejected=1, reasons={"x": 1}),
        processed_rows=2,
        rejected_rows=1,
    )
    assert merged.duplicates_removed == 7


def test_parse_tables_orders_by_dependency_and_rejects_unknown_names():
    assert parse_tables(["order_items", " orders", "customers"]) == (
        "customers",
        "orders",
        "order_items",
    )
    with pytest.raises(ValueError, match="carts"):
        parse_tables(["orders", "carts"])
