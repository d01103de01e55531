{#- One row per payment of an order.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key=["order_id", "payment_sequential"],
    incremental_strategy=upsert_strategy(),
    dist="order_id",
    sort=["order_id", "payment_sequential"],
    post_hook="{{ delete_tombstones('payments', {'order_id': 'varchar(32)', 'payment_sequential': 'smallint'}) }}",
) }}
{%- set columns = {
    "id": "bigint",
    "order_id": "varchar(32)",
    "payment_sequential": "smallint",
    "payment_type": "varchar(16)",
    "payment_installments": "smallint",
    "payment_value": "numeric(12,2)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("payments", keys=["order_id", "payment_sequential"], columns=columns) }}
