{#- One row per order item.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
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

{{ create_table(this, columns, distkey="order_id", sortkey=["order_id", "order_item_id"]) }};

{{ merge_partition(this, "order_items", keys=["order_id", "order_item_id"], columns=columns) }}
