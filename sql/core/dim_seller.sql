{#-
  One row per seller (type 1: a move overwrites the address), with the key of its location.
  seller_key '-1' is the unknown seller. Incremental: sellers in this run's partition.
-#}
{%- set columns = {
    "seller_key": "varchar(32) not null",
    "seller_id": "varchar(32)",
    "zip_code_prefix": "varchar(5)",
    "city": "varchar(200)",
    "state": "char(2)",
    "location_key": "varchar(32) not null",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["seller_key"]) }};

create temp table dim_seller_changes as
with

sellers as (
    select * from {{ ref("stg_sellers") }}
    where seller_id in (
        select seller_id from {{ source("sellers") }}
        where _ingest_date = '{{ ingest_date }}'
    )
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
)

select * from final;

{{ replace_rows(this, "dim_seller_changes", ["seller_key"], columns | list) }}

delete from {{ this }} where seller_key = '-1';

insert into {{ this }} ({{ columns | join(", ") }})
values ('-1', null, null, 'Unknown', null, '-1');

drop table dim_seller_changes;
