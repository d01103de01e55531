{#-
  One row per product (type 1: a change overwrites), with its category in Portuguese and
  English. A product without a category belongs to the 'sem_categoria' / 'uncategorized'
  member, and a category without a translation keeps its Portuguese name in English, so every
  product has both names. product_key '-1' is the unknown product.

  Incremental: products in this run's partition, and products of categories it renamed.
-#}
{{ config(
    unique_key="product_key",
    incremental_strategy=upsert_strategy(),
    dist="all",
    sort=["product_key"],
) }}
{%- set columns = {
    "product_key": "varchar(32)",
    "product_id": "varchar(32)",
    "category_name": "varchar(200)",
    "category_name_english": "varchar(200)",
    "name_length": "integer",
    "description_length": "integer",
    "photos_qty": "integer",
    "weight_g": "integer",
    "length_cm": "integer",
    "height_cm": "integer",
    "width_cm": "integer",
} -%}

with

touched as (
    {%- if is_incremental() %}
    select product_id from {{ source("lake", "products") }}
    where _ingest_date = '{{ ingest_date() }}'
    union
    select products.product_id
    from {{ ref("stg_products") }} as products
    inner join {{ source("lake", "product_categories") }} as categories
        on products.product_category_name = categories.product_category_name
    where categories._ingest_date = '{{ ingest_date() }}'
    {%- else %}
    select product_id from {{ ref("stg_products") }}
    {%- endif %}
),

products as (
    select * from {{ ref("stg_products") }}
    where product_id in (select product_id from touched)
),

categories as (
    select * from {{ ref("stg_product_categories") }}
),

final as (
    select
        {{ surrogate_key(["products.product_id"]) }} as product_key,
        products.product_id,
        coalesce(products.product_category_name, 'sem_categoria') as category_name,
        coalesce(
            categories.product_category_name_english,
            products.product_category_name,
            'uncategorized'
        ) as category_name_english,
        products.product_name_length as name_length,
        products.product_description_length as description_length,
        products.product_photos_qty as photos_qty,
        products.product_weight_g as weight_g,
        products.product_length_cm as length_cm,
        products.product_height_cm as height_cm,
        products.product_width_cm as width_cm
    from products
    left join categories on products.product_category_name = categories.product_category_name
),

unknown_member as (
    select
        cast('-1' as varchar(32)) as product_key,
        cast(null as varchar(32)) as product_id,
        cast('desconhecido' as varchar(200)) as category_name,
        cast('unknown' as varchar(200)) as category_name_english,
        cast(null as integer) as name_length,
        cast(null as integer) as description_length,
        cast(null as integer) as photos_qty,
        cast(null as integer) as weight_g,
        cast(null as integer) as length_cm,
        cast(null as integer) as height_cm,
        cast(null as integer) as width_cm
),

dimension_rows as (
    select * from final
    union all
    select * from unknown_member
)

select {{ cast_columns(columns, "dimension_rows") }}
from dimension_rows
