{#- One row per order, with its item and payment totals.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "order_id": "varchar(32)",
    "customer_id": "varchar(32)",
    "order_status": "varchar(16)",
    "order_purchase_timestamp": "timestamptz",
    "order_approved_at": "timestamptz",
    "order_invoiced_at": "timestamptz",
    "order_canceled_at": "timestamptz",
    "items_count": "integer",
    "items_price": "numeric(14,2)",
    "items_freight": "numeric(14,2)",
    "items_revenue": "numeric(14,2)",
    "payments_total": "numeric(14,2)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, distkey="order_id", sortkey=["order_id"]) }};

{{ merge_partition(this, "orders", keys=["order_id"], columns=columns) }}
