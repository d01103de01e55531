{#- One row per order, with its item and payment totals.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="order_id",
    incremental_strategy=upsert_strategy(),
    dist="order_id",
    sort=["order_id"],
    post_hook="{{ delete_tombstones('orders', {'order_id': 'varchar(32)'}) }}",
) }}
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

{{ partition_rows("orders", keys=["order_id"], columns=columns) }}
