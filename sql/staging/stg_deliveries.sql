{#- One row per order that has delivery dates, with its delivery and delay days.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
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

{{ create_table(this, columns, distkey="order_id", sortkey=["order_id"]) }};

{{ merge_partition(this, "deliveries", keys=["order_id"], columns=columns) }}
