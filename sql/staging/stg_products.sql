{#- One row per product.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "product_id": "varchar(32)",
    "product_category_name": "varchar(200)",
    "product_name_length": "integer",
    "product_description_length": "integer",
    "product_photos_qty": "integer",
    "product_weight_g": "integer",
    "product_length_cm": "integer",
    "product_height_cm": "integer",
    "product_width_cm": "integer",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["product_id"]) }};

{{ merge_partition(this, "products", keys=["product_id"], columns=columns) }}
