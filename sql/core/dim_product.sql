{#-
  One row per product (type 1: a change overwrites), with its category in Portuguese and
  English. A product without a category belongs to the 'sem_categoria' / 'uncategorized'
  member, and a category without a translation keeps its Portuguese name in English, so every
  product has both names. product_key '-1' is the unknown product.

  Incremental: products in this run's partition, and products of categories it renamed.
-#}
{%- set columns = {
    "product_key": "varchar(32) not null",
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

{{ create_table(this, columns, diststyle="all", sortkey=["product_key"]) }};

create temp table dim_product_changes as
with

touched as (
    select product_id from {{ source("products") }}
    where _ingest_date = '{{ ingest_date }}'
    union
    select products.product_id
    from {{ ref("stg_products") }} as products
    inner join {{ source("product_categories") }} as categories
        on products.product_category_name = categories.product_category_name
    where categories._ingest_date = '{{ ingest_date }}'
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
)

select * from final;

{{ replace_rows(this, "dim_product_changes", ["product_key"], columns | list) }}

delete from {{ this }} where product_key = '-1';

insert into {{ this }} ({{ columns | join(", ") }})
values ('-1', null, 'desconhecido', 'unknown', null, null, null, null, null, null, null);

drop table dim_product_changes;
