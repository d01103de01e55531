{#-
  One row per zip code prefix the business has seen (in geolocation, customers or sellers),
  with its city, state, state name, region and median point. A prefix missing from the
  geolocation table still gets a row, with the city and state its customers and sellers give
  and no coordinates. location_key '-1' is the unknown location.

  Incremental: the prefixes this run's partitions touch are rebuilt from staging.
-#}
{%- set columns = {
    "location_key": "varchar(32) not null",
    "zip_code_prefix": "varchar(5)",
    "city": "varchar(200)",
    "state": "char(2)",
    "state_name": "varchar(32)",
    "region": "varchar(16)",
    "latitude": "double precision",
    "longitude": "double precision",
    "geolocation_points": "bigint",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["zip_code_prefix"]) }};

create temp table dim_location_touched as
select geolocation_zip_code_prefix as zip_code_prefix
from {{ source("geolocation") }}
where _ingest_date = '{{ ingest_date }}'
union
select customer_zip_code_prefix
from {{ source("customers") }}
where _ingest_date = '{{ ingest_date }}'
union
select seller_zip_code_prefix
from {{ source("sellers") }}
where _ingest_date = '{{ ingest_date }}';

create temp table dim_location_changes as
with

geolocation as (
    select * from {{ ref("stg_geolocation") }}
    where geolocation_zip_code_prefix in (select zip_code_prefix from dim_location_touched)
),

addresses as (
    -- where geolocation lacks a prefix, its customers' and sellers' addresses name the place
    select
        customer_zip_code_prefix as zip_code_prefix,
        customer_city as city,
        customer_state as state
    from {{ ref("stg_customers") }}
    where customer_zip_code_prefix in (select zip_code_prefix from dim_location_touched)
    union all
    select seller_zip_code_prefix, seller_city, seller_state
    from {{ ref("stg_sellers") }}
    where seller_zip_code_prefix in (select zip_code_prefix from dim_location_touched)
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
        {{ surrogate_key(["dim_location_touched.zip_code_prefix"]) }} as location_key,
        dim_location_touched.zip_code_prefix,
        coalesce(geolocation.geolocation_city, address_places.city) as city,
        coalesce(geolocation.geolocation_state, address_places.state) as state,
        states.state_name,
        states.region,
        geolocation.geolocation_lat as latitude,
        geolocation.geolocation_lng as longitude,
        coalesce(geolocation.points, 0) as geolocation_points
    from dim_location_touched
    left join geolocation
        on dim_location_touched.zip_code_prefix = geolocation.geolocation_zip_code_prefix
    left join address_places
        on
            dim_location_touched.zip_code_prefix = address_places.zip_code_prefix
            and address_places.place_rank = 1
    left join states
        on coalesce(geolocation.geolocation_state, address_places.state) = states.state
    where dim_location_touched.zip_code_prefix is not null
)

select * from final;

{{ replace_rows(this, "dim_location_changes", ["location_key"], columns | list) }}

delete from {{ this }} where location_key = '-1';

insert into {{ this }} ({{ columns | join(", ") }})
values ('-1', null, 'Unknown', null, 'Unknown', 'Unknown', null, null, 0);

drop table dim_location_touched;

drop table dim_location_changes;
