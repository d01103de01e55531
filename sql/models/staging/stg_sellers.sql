{#- One row per seller.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="seller_id",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["seller_id"],
    post_hook="{{ delete_tombstones('sellers', {'seller_id': 'varchar(32)'}) }}",
) }}
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

{{ partition_rows("sellers", keys=["seller_id"], columns=columns) }}
