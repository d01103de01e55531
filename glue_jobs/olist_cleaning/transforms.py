"""One cleaning function per table, and the processed columns derived from clean rows.

``clean_<table>(raw, *parents)`` classifies a raw partition (see ``rules``); parents are the
valid rows of referenced tables from the same partition, so the processed zone holds no
dangling reference. The ``with_*``/``collapse_*`` functions build processed-only columns from
valid rows.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from olist_cleaning.rules import (
    Cleaning,
    Rule,
    between,
    classify,
    normalise_state,
    normalise_text,
    normalise_zip_prefix,
    not_negative,
    olist_id,
    one_of,
    prepare,
    reference,
    references,
    required,
    state_code,
    zip_prefix,
)
from olist_cleaning.schemas import TOTAL_MONEY
from olist_cleaning.shop_vocabulary import ORDER_STATUSES, PAYMENT_TYPES
from olist_cleaning.spark import spark_type
from olist_cleaning.vocabulary import BRAZIL_LATITUDE, BRAZIL_LONGITUDE, OLIST_TIME_ZONE
from olist_pipeline.tables import TABLES


def _normalised_place(prefix: str) -> dict[str, Column]:
    return {
        f"{prefix}_zip_code_prefix": normalise_zip_prefix(f"{prefix}_zip_code_prefix"),
        f"{prefix}_city": normalise_text(f"{prefix}_city"),
        f"{prefix}_state": normalise_state(f"{prefix}_state"),
    }


def _place_rules(prefix: str) -> list[Rule]:
    return [
        zip_prefix(f"{prefix}_zip_code_prefix"),
        required(f"{prefix}_city"),
        state_code(f"{prefix}_state"),
    ]


# --- Tables without references ----------------------------------------------------------------


def clean_geolocation(raw: DataFrame) -> Cleaning:
    df = prepare(raw, "geolocation", _normalised_place("geolocation"))
    rules = [
        *_place_rules("geolocation"),
        between("geolocation_lat", *BRAZIL_LATITUDE),
        between("geolocation_lng", *BRAZIL_LONGITUDE),
    ]
    return classify("geolocation", df, rules)


def _middle(sorted_values: str) -> Column:
    """The median of a sorted array: its middle element, or the mean of the middle two."""
    size = F.size(sorted_values)
    lower = F.element_at(sorted_values, F.floor((size + 1) / 2).cast("int"))
    upper = F.element_at(sorted_values, F.floor(size / 2).cast("int") + 1)
    return (lower + upper) / 2


def _most_common(column: str) -> Column:
    """The most common non-null value of ``column`` in a group, the lowest of the most common
    on a tie (null for none): Spark 4's ``mode(column, deterministic=True)``, written with
    functions Spark 3.5 (AWS Glue 5) has too, whose ``mode`` has no deterministic form. A
    prefix's values are few and mostly equal, so counting each distinct value is cheap."""
    values = F.sort_array(F.collect_list(column))
    counted = F.transform(
        F.array_distinct(values),
        lambda value: F.struct(
            (-F.size(F.filter(values, lambda other: other == value))).alias("rank"),
            value.alias("value"),
        ),
    )
    return F.array_min(counted)["value"]


def collapse_geolocation(valid: DataFrame) -> DataFrame:
    """One row per zip prefix: the median point, the most common city and state, and how
    many rows were merged into it.

    The exact median comes from each prefix's sorted coordinates, which Spark builds in one
    hash aggregation, faster than its ``median`` aggregate here (a prefix has at most a few
    thousand points).
    """
    merged = valid.groupBy("geolocation_zip_code_prefix").agg(
        F.sort_array(F.collect_list("geolocation_lat")).alias("_latitudes"),
        F.sort_array(F.collect_list("geolocation_lng")).alias("_longitudes"),
        _most_common("geolocation_city").alias("geolocation_city"),
        _most_common("geolocation_state").alias("geolocation_state"),
        F.count(F.lit(1)).alias("points"),
        F.max("updated_at").alias("updated_at"),
    )
    return merged.withColumns(
        {"geolocation_lat": _middle("_latitudes"), "geolocation_lng": _middle("_longitudes")}
    ).drop("_latitudes", "_longitudes")


def clean_product_categories(raw: DataFrame) -> Cleaning:
    df = prepare(
        raw,
        "product_categories",
        {
            "product_category_name": F.trim("product_category_name"),
            "product_category_name_english": F.trim("product_category_name_english"),
        },
    )
    return classify("product_categories", df, [required("product_category_name")])


def clean_sellers(raw: DataFrame) -> Cleaning:
    df = prepare(raw, "sellers", _normalised_place("seller"))
    rules = [olist_id("seller_id"), *_place_rules("seller")]
    return classify("sellers", df, rules)


def clean_products(raw: DataFrame) -> Cleaning:
    df = prepare(raw, "products", {"product_category_name": F.trim("product_category_name")})
    return classify("products", df, [olist_id("product_id")])


def clean_customers(raw: DataFrame) -> Cleaning:
    df = prepare(raw, "customers", _normalised_place("customer"))
    rules = [olist_id("customer_id"), olist_id("customer_unique_id"), *_place_rules("customer")]
    return classify("customers", df, rules)


# --- Orders and their parts -------------------------------------------------------------------


def clean_orders(raw: DataFrame, customers: DataFrame) -> Cleaning:
    df = prepare(raw, "orders", {"order_status": F.lower(F.trim("order_status"))})
    df = references(df, "customer_id", customers, "customers")
    rules = [
        olist_id("order_id"),
        olist_id("customer_id"),
        one_of("order_status", ORDER_STATUSES),
        required("order_purchase_timestamp"),
        reference("customer_id", "customers"),
    ]
    return classify("orders", df, rules)


def with_order_totals(orders: DataFrame, items: DataFrame, payments: DataFrame) -> DataFrame:
    """Item count, price, freight and revenue, and the amount paid, from the partition's valid
    items and payments (zero for an order without any)."""
    item_totals = items.groupBy("order_id").agg(
        F.count(F.lit(1)).alias("items_count"),
        F.sum("price").alias("items_price"),
        F.sum("freight_value").alias("items_freight"),
        F.sum(F.col("price") + F.col("freight_value")).alias("items_revenue"),
    )
    paid = payments.groupBy("order_id").agg(F.sum("payment_value").alias("payments_total"))
    zero = F.lit(0).cast(TOTAL_MONEY)
    totals = ["items_price", "items_freight", "items_revenue", "payments_total"]
    return (
        orders.join(item_totals, "order_id", "left")
        .join(paid, "order_id", "left")
        .withColumn("items_count", F.coalesce("items_count", F.lit(0)).cast("int"))
        .withColumns({name: F.coalesce(F.col(name).cast(TOTAL_MONEY), zero) for name in totals})
    )


def _order_part(
    raw: DataFrame,
    table: str,
    orders: DataFrame,
    carry: tuple[str, ...] = (),
    normalised: dict[str, Column] | None = None,
) -> DataFrame:
    df = prepare(raw, table, normalised)
    return references(df, "order_id", orders, "orders", carry=carry)


def clean_deliveries(raw: DataFrame, orders: DataFrame) -> Cleaning:
    """Deliveries carry their order's purchase time along for ``with_delivery_times``."""
    df = _order_part(raw, "deliveries", orders, carry=("order_purchase_timestamp",))
    rules = [
        olist_id("order_id"),
        required("order_estimated_delivery_date"),
        reference("order_id", "orders"),
    ]
    return classify("deliveries", df, rules)


def sao_paulo_date(timestamp: str | Column) -> Column:
    """The calendar day in São Paulo of a UTC instant (the session time zone is UTC)."""
    return F.to_date(F.from_utc_timestamp(timestamp, OLIST_TIME_ZONE))


def with_delivery_times(deliveries: DataFrame) -> DataFrame:
    """Days from purchase to delivery, days late against the estimate (negative = early) and
    whether it arrived by the estimate; null while the order is not delivered."""
    delivered_on = sao_paulo_date("order_delivered_customer_date")
    estimate = F.col("order_estimated_delivery_date")
    return deliveries.withColumns(
        {
            "delivery_days": F.datediff(delivered_on, sao_paulo_date("order_purchase_timestamp")),
            "delay_days": F.datediff(delivered_on, estimate),
            "is_on_time": delivered_on <= estimate,
        }
    )


def clean_order_items(
    raw: DataFrame, orders: DataFrame, products: DataFrame, sellers: DataFrame
) -> Cleaning:
    df = _order_part(raw, "order_items", orders)
    df = references(df, "product_id", products, "products")
    df = references(df, "seller_id", sellers, "sellers")
    rules = [
        olist_id("order_id"),
        olist_id("product_id"),
        olist_id("seller_id"),
        not_negative("price"),
        not_negative("freight_value"),
        reference("order_id", "orders"),
        reference("product_id", "products"),
        reference("seller_id", "sellers"),
    ]
    return classify("order_items", df, rules)


def with_item_revenue(items: DataFrame) -> DataFrame:
    return items.withColumn(
        "item_revenue", (F.col("price") + F.col("freight_value")).cast(TOTAL_MONEY)
    )


def clean_payments(raw: DataFrame, orders: DataFrame) -> Cleaning:
    df = _order_part(
        raw, "payments", orders, normalised={"payment_type": F.lower(F.trim("payment_type"))}
    )
    rules = [
        olist_id("order_id"),
        one_of("payment_type", PAYMENT_TYPES),
        not_negative("payment_value"),
        reference("order_id", "orders"),
    ]
    return classify("payments", df, rules)


def clean_reviews(raw: DataFrame, orders: DataFrame) -> Cleaning:
    df = _order_part(raw, "reviews", orders)
    rules = [
        olist_id("review_id"),
        olist_id("order_id"),
        between("review_score", 1, 5),
        reference("order_id", "orders"),
    ]
    return classify("reviews", df, rules)


# --- Tombstones -------------------------------------------------------------------------------


def natural_key_json() -> Column:
    """The deleted row's natural key as a JSON object, taken from ``row_data`` by the table
    registry (null for an unknown table or a key missing from the data)."""
    key_json = F.lit(None).cast("string")
    for table in TABLES:
        if table.name == "deleted_rows":
            continue
        types = {column.name: column.type for column in table.columns}
        # try_cast as SQL: Column.try_cast is Spark 4 only, the SQL function is in 3.5 too
        parts = [
            F.expr(
                f"try_cast(get_json_object(row_data, '$.{name}')"
                f" as {spark_type(types[name]).simpleString()})"
            ).alias(name)
            for name in table.key
        ]
        complete = F.lit(True)
        for part in parts:
            complete = complete & part.isNotNull()
        key_json = F.when(
            (F.col("table_name") == table.name) & complete, F.to_json(F.struct(*parts))
        ).otherwise(key_json)
    return key_json


def clean_deleted_rows(raw: DataFrame) -> Cleaning:
    known = [table.name for table in TABLES if table.name != "deleted_rows"]
    df = prepare(raw, "deleted_rows").withColumn("natural_key", natural_key_json())
    rules = [
        Rule(
            "table_name.unknown",
            ~F.col("table_name").isin(*known) | F.col("table_name").isNull(),
            F.format_string("table_name '%s' is not a table of the lake", "table_name"),
        ),
        Rule(
            "row_data.no_natural_key",
            F.col("natural_key").isNull(),
            F.format_string("row_data lacks the natural key of %s", "table_name"),
        ),
    ]
    return classify("deleted_rows", df, rules)
