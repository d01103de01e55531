{#-
  One row per zip code prefix the business has seen (in geolocation, customers or sellers),
  with its city, state, state name, region and median point. A prefix missing from the
  geolocation table still gets a row, with the city and state its customers and sellers give
  and no coordinates. location_key '-1' is the unknown location.

  Incremental: the prefixes this run's partitions touch are rebuilt from staging.
-#}
{{ config(
    unique_key="location_key",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["zip_code_prefix"],
) }}
{%- set columns = {
    "location_key": "varchar(32)",
    "zip_code_prefix": "varchar(5)",
    "city": "varchar(200)",
    "state": "char(2)",
    "state_name": "varchar(32)",
    "region": "varchar(16)",
    "latitude": "double precision",
    "longitude": "double precision",
    "geolocation_points": "bigint",
} -%}

with

touched as (
    {%- if is_incremental() %}
    select geolocation_zip_code_prefix as zip_code_prefix
    from {{ source("lake", "geolocation") }}
    where _ingest_date = '{{ ingest_date() }}'
    union
    select customer_zip_code_prefix
    from {{ source("lake", "customers") }}
    where _ingest_date = '{{ ingest_date() }}'
    union
    select seller_zip_code_prefix
    from {{ source("lake", "sellers") }}
    where _ingest_date = '{{ ingest_date() }}'
    {%- else %}
    select geolocation_zip_code_prefix as zip_code_prefix
    from {{ ref("stg_geolocation") }}
    union
    select customer_zip_code_prefix
    from {{ ref("stg_customers") }}
    union
    select seller_zip_code_prefix
    from {{ ref("stg_sellers") }}
    {%- endif %}
),


geolocation as (
    select * from {{ ref("stg_geolocation") }}
    where geolocation_zip_code_prefix in (select zip_code_prefix from touched)
),

addresses as (
    -- where geolocation lacks a prefix, its customers' and sellers' addresses name the place
    select
        customer_zip_code_prefix as zip_code_prefix,
        customer_city as city,
        customer_state as state
    from {{ ref("stg_customers") }}
    where customer_zip_code_prefix in (select zip_code_prefix from touched)
    union all
    select seller_zip_code_prefix, seller_city, seller_state
    from {{ ref("stg_sellers") }}
    where seller_zip_code_prefix in (select zip_code_prefix from touched)
),

address_places as (
    select
        zip_code_prefix,
        city,
        state,
        row_number() over (
            partition by zip_code_prefix order by count(*) desc, city, state
        ) as place_rank
    from addresses
    group by zip_code_prefix, city, state
),

states as (
    {%- for code, name, region in [
        ("AC", "Acre", "Norte"), ("AL", "Alagoas", "Nordeste"), ("AM", "Amazonas", "Norte"),
        ("AP", "Amapá", "Norte"), ("BA", "Bahia", "Nordeste"), ("CE", "Ceará", "Nordeste"),
        ("DF", "Distrito Federal", "Centro-Oeste"), ("ES", "Espírito Santo", "Sudeste"),
        ("GO", "Goiás", "Centro-Oeste"), ("MA", "Maranhão", "Nordeste"),
        ("MG", "Minas Gerais", "Sudeste"), ("MS", "Mato Grosso do Sul", "Centro-Oeste"),
        ("MT", "Mato Grosso", "Centro-Oeste"), ("PA", "Pará", "Norte"),
        ("PB", "Paraíba", "Nordeste"), ("PE", "Pernambuco", "Nordeste"),
        ("PI", "Piauí", "Nordeste"), ("PR", "Paraná", "Sul"), ("RJ", "Rio de Janeiro", "Sudeste"),
        ("RN", "Rio Grande do Norte", "Nordeste"), ("RO", "Rondônia", "Norte"),
        ("RR", "Roraima", "Norte"), ("RS", "Rio Grande do Sul", "Sul"),
        ("SC", "Santa Catarina", "Sul"), ("SE", "Sergipe", "Nordeste"),
        ("SP", "São Paulo", "Sudeste"), ("TO", "Tocantins", "Norte"),
    ] %}
    select '{{ code }}' as state, '{{ name }}' as state_name, '{{ region }}' as region
    {%- if not loop.last %}
    union all{% endif %}
    {%- endfor %}
),

final as (
    select
        {{ surrogate_key(["touched.zip_code_prefix"]) }} as location_key,
        touched.zip_code_prefix,
        coalesce(geolocation.geolocation_city, address_places.city) as city,
        coalesce(geolocation.geolocation_state, address_places.state) as state,
        states.state_name,
        states.region,
        geolocation.geolocation_lat as latitude,
        geolocation.geolocation_lng as longitude,
        coalesce(geolocation.points, 0) as geolocation_points
    from touched
    left join geolocation
        on touched.zip_code_prefix = geolocation.geolocation_zip_code_prefix
    left join address_places
        on
            touched.zip_code_prefix = address_places.zip_code_prefix
            and address_places.place_rank = 1
    left join states
        on coalesce(geolocation.geolocation_state, address_places.state) = states.state
    where touched.zip_code_prefix is not null
),

unknown_member as (
    select
        cast('-1' as varchar(32)) as location_key,
        cast(null as varchar(5)) as zip_code_prefix,
        cast('Unknown' as varchar(200)) as city,
        cast(null as char(2)) as state,
        cast('Unknown' as varchar(32)) as state_name,
        cast('Unknown' as varchar(16)) as region,
        cast(null as double precision) as latitude,
        cast(null as double precision) as longitude,
        cast(0 as bigint) as geolocation_points
),

dimension_rows as (
    select * from final
    union all
    select * from unknown_member
)

select {{ cast_columns(columns, "dimension_rows") }}
from dimension_rows
