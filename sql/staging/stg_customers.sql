{#- One row per customer_id: Olist gives each order its own customer_id, and customer_unique_id
    names the person.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "customer_id": "varchar(32)",
    "customer_unique_id": "varchar(32)",
    "customer_zip_code_prefix": "varchar(5)",
    "customer_city": "varchar(200)",
    "customer_state": "char(2)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, distkey="customer_id", sortkey=["customer_id"]) }};

{{ merge_partition(this, "customers", keys=["customer_id"], columns=columns) }}
