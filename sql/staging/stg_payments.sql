{#- One row per payment of an order.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
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

{{ create_table(this, columns, distkey="order_id", sortkey=["order_id", "payment_sequential"]) }};

{{ merge_partition(this, "payments", keys=["order_id", "payment_sequential"], columns=columns) }}
