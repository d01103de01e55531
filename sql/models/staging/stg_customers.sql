{#- One row per customer_id: Olist gives each order its own customer_id, and customer_unique_id
    names the person.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="customer_id",
    incremental_strategy=upsert_strategy(),
    dist="customer_id",
    sort=["customer_id"],
    post_hook="{{ delete_tombstones('customers', {'customer_id': 'varchar(32)'}) }}",
) }}
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

{{ partition_rows("customers", keys=["customer_id"], columns=columns) }}
