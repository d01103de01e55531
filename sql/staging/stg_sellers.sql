{#- One row per seller.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "seller_id": "varchar(32)",
    "seller_zip_code_prefix": "varchar(5)",
    "seller_city": "varchar(200)",
    "seller_state": "char(2)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["seller_id"]) }};

{{ merge_partition(this, "sellers", keys=["seller_id"], columns=columns) }}
