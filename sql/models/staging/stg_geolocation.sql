{#- One row per zip code prefix: the median point of the shop's geolocation rows, their most
    common city and state.
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key="geolocation_zip_code_prefix",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["geolocation_zip_code_prefix"],
    post_hook="{{ delete_tombstones('geolocation', {'geolocation_zip_code_prefix': 'varchar(5)'}) }}",
) }}
{%- set columns = {
    "geolocation_zip_code_prefix": "varchar(5)",
    "geolocation_lat": "double precision",
    "geolocation_lng": "double precision",
    "geolocation_city": "varchar(200)",
    "geolocation_state": "char(2)",
    "points": "bigint",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("geolocation", keys=["geolocation_zip_code_prefix"], columns=columns) }}
