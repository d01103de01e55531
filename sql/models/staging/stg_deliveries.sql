{#- One row per order that has delivery dates, with its delivery and delay days.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="order_id",
    incremental_strategy=upsert_strategy(),
    dist="order_id",
    sort=["order_id"],
    post_hook="{{ delete_tombstones('deliveries', {'order_id': 'varchar(32)'}) }}",
) }}
{%- set columns = {
    "order_id": "varchar(32)",
    "order_delivered_carrier_date": "timestamptz",
    "order_delivered_customer_date": "timestamptz",
    "order_estimated_delivery_date": "date",
    "delivery_days": "integer",
    "delay_days": "integer",
    "is_on_time": "boolean",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("deliveries", keys=["order_id"], columns=columns) }}
