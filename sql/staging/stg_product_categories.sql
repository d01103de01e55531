{#- One row per product category, with its English name.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "product_category_name": "varchar(200)",
    "product_category_name_english": "varchar(200)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["product_category_name"]) }};

{{ merge_partition(this, "product_categories", keys=["product_category_name"], columns=columns) }}
