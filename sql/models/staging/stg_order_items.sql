{#- One row per order item: the shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key=["order_id", "order_item_id"],
    incremental_strategy=upsert_strategy(),
    dist="order_id",
    sort=["order_id", "order_item_id"],
    post_hook="{{ delete_tombstones('order_items', {'order_id': 'varchar(32)', 'order_item_id': 'smallint'}) }}",
) }}
{%- set columns = {
    "id": "bigint",
    "order_id": "varchar(32)",
    "order_item_id": "smallint",
    "product_id": "varchar(32)",
    "seller_id": "varchar(32)",
    "shipping_limit_date": "timestamptz",
    "price": "numeric(12,2)",
    "freight_value": "numeric(12,2)",
    "item_revenue": "numeric(14,2)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("order_items", keys=["order_id", "order_item_id"], columns=columns) }}
