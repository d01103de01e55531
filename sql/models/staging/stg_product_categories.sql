{#- One row per product category, with its English name.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="product_category_name",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["product_category_name"],
    post_hook="{{ delete_tombstones('product_categories', {'product_category_name': 'varchar(200)'}) }}",
) }}
{%- set columns = {
    "product_category_name": "varchar(200)",
    "product_category_name_english": "varchar(200)",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("product_categories", keys=["product_category_name"], columns=columns) }}
