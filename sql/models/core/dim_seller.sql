{#-
  One row per seller (type 1: a move overwrites the address), with the key of its location.
  seller_key '-1' is the unknown seller. Incremental: sellers in this run's partition.
-#}
{{ config(
    unique_key="seller_key",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["seller_key"],
) }}
{%- set columns = {
    "seller_key": "varchar(32)",
    "seller_id": "varchar(32)",
    "zip_code_prefix": "varchar(5)",
    "city": "varchar(200)",
    "state": "char(2)",
    "location_key": "varchar(32)",
} -%}

with

touched as (
    {%- if is_incremental() %}
    select seller_id from {{ source("lake", "sellers") }}
    where _ingest_date = '{{ ingest_date() }}'
    {%- else %}
    select seller_id from {{ ref("stg_sellers") }}
    {%- endif %}
),

sellers as (
    select * from {{ ref("stg_sellers") }}
    where seller_id in (select seller_id from touched)
),

final as (
    select
        {{ surrogate_key(["seller_id"]) }} as seller_key,
        seller_id,
        seller_zip_code_prefix as zip_code_prefix,
        seller_city as city,
        seller_state as state,
        {{ surrogate_key(["seller_zip_code_prefix"]) }} as location_key
    from sellers
),

unknown_member as (
    select
        cast('-1' as varchar(32)) as seller_key,
        cast(null as varchar(32)) as seller_id,
        cast(null as varchar(5)) as zip_code_prefix,
        cast('Unknown' as varchar(200)) as city,
        cast(null as char(2)) as state,
        cast('-1' as varchar(32)) as location_key
),

dimension_rows as (
    select * from final
    union all
    select * from unknown_member
)

select {{ cast_columns(columns, "dimension_rows") }}
from dimension_rows
