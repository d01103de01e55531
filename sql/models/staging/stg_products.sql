{#- One row per product.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="product_id",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["product_id"],
    post_hook="{{ delete_tombstones('products', {'product_id': 'varchar(32)'}) }}",
) }}
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

{{ partition_rows("products", keys=["product_id"], columns=columns) }}
