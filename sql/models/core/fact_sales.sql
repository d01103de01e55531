{#-
  One row per order item: what was sold, by whom, to whom, when, for how much, and how the
  delivery went. Money: the item's price, freight and revenue (price + freight), and its share
  of what the order's payments collected, in proportion to revenue (the order's last item takes
  the rounding remainder, so an order's shares add up to its payments to the cent).

  Every row has a key into every dimension, the unknown member's ('-1') when the dimension
  lacks the value. Incremental: the orders this run's partitions touch (an order, any of its
  items, payments, reviews or delivery dates, a delete, or a customer whose history changed)
  are deleted and built again from staging, so a late update or a delete in the shop reaches
  the fact, and a rerun gives the same rows. A full refresh builds every order, so it reads
  staging without the touched orders' joins (they took a fifth of its time at SCALE=1).
-#}
{{ config(
    incremental_strategy="append",
    pre_hook="{{ delete_touched('order_id', touched_orders()) }}",
    dist="order_id",
    sort=["purchase_date_key", "order_id"],
) }}
{%- set columns = {
    "order_id": "varchar(32)",
    "order_item_id": "smallint",
    "customer_key": "varchar(32)",
    "product_key": "varchar(32)",
    "seller_key": "varchar(32)",
    "customer_location_key": "varchar(32)",
    "seller_location_key": "varchar(32)",
    "purchase_date_key": "integer",
    "order_status": "varchar(16)",
    "price": "numeric(12,2)",
    "freight_value": "numeric(12,2)",
    "item_revenue": "numeric(14,2)",
    "payment_share": "numeric(14,2)",
    "purchased_at": "timestamptz",
    "approved_at": "timestamptz",
    "delivered_carrier_at": "timestamptz",
    "delivered_customer_at": "timestamptz",
    "estimated_delivery_date": "date",
    "delivery_days": "integer",
    "delay_days": "integer",
    "is_on_time": "boolean",
    "review_score": "smallint",
    "_ingest_date": "date",
} -%}

with

{% if is_incremental() -%}
touched as (
    {{ touched_orders() }}
),

{% endif -%}
touched_items as (
    select items.*
    from {{ ref("stg_order_items") }} as items
    {% if is_incremental() %}
    inner join touched on items.order_id = touched.order_id
    {% endif %}
),

orders as (
    select orders.*
    from {{ ref("stg_orders") }} as orders
    {% if is_incremental() %}
    inner join touched on orders.order_id = touched.order_id
    {% endif %}
),

latest_reviews as (
    -- an order may be reviewed more than once; its latest answer counts
    select
        reviews.order_id,
        reviews.review_score,
        row_number() over (
            partition by reviews.order_id
            order by
                reviews.review_answer_timestamp desc nulls last,
                reviews.review_creation_date desc,
                reviews.review_id
        ) as review_rank
    from {{ ref("stg_reviews") }} as reviews
    {% if is_incremental() %}
    inner join touched on reviews.order_id = touched.order_id
    {% endif %}
),

order_lines as (
    select
        touched_items.order_id,
        touched_items.order_item_id,
        touched_items.product_id,
        touched_items.seller_id,
        touched_items.price,
        touched_items.freight_value,
        touched_items.item_revenue,
        orders.customer_id,
        orders.order_status,
        orders.order_purchase_timestamp,
        orders.order_approved_at,
        orders.payments_total,
        round(
            orders.payments_total * touched_items.item_revenue / nullif(orders.items_revenue, 0),
            2
        ) as proportional_share,
        max(touched_items.order_item_id) over (
            partition by touched_items.order_id
        ) as last_item_id
    from touched_items
    inner join orders on touched_items.order_id = orders.order_id
),

allocated as (
    select
        *,
        case
            when order_item_id = last_item_id
                then
                    payments_total
                    - coalesce(
                        sum(proportional_share) over (partition by order_id)
                        - proportional_share,
                        0
                    )
            else proportional_share
        end as payment_share
    from order_lines
),

final as (
    select
        allocated.order_id,
        allocated.order_item_id,
        coalesce(dim_customer.customer_key, '-1') as customer_key,
        coalesce(dim_product.product_key, '-1') as product_key,
        coalesce(dim_seller.seller_key, '-1') as seller_key,
        coalesce(customer_location.location_key, '-1') as customer_location_key,
        coalesce(seller_location.location_key, '-1') as seller_location_key,
        coalesce(dim_time.date_key, -1) as purchase_date_key,
        allocated.order_status,
        allocated.price,
        allocated.freight_value,
        allocated.item_revenue,
        allocated.payment_share,
        allocated.order_purchase_timestamp as purchased_at,
        allocated.order_approved_at as approved_at,
        deliveries.order_delivered_carrier_date as delivered_carrier_at,
        deliveries.order_delivered_customer_date as delivered_customer_at,
        deliveries.order_estimated_delivery_date as estimated_delivery_date,
        deliveries.delivery_days,
        deliveries.delay_days,
        deliveries.is_on_time,
        latest_reviews.review_score,
        cast('{{ ingest_date() }}' as date) as _ingest_date
    from allocated
    left join {{ ref("stg_deliveries") }} as deliveries
        on allocated.order_id = deliveries.order_id
    left join latest_reviews
        on allocated.order_id = latest_reviews.order_id and latest_reviews.review_rank = 1
    left join {{ ref("stg_customers") }} as customers
        on allocated.customer_id = customers.customer_id
    left join {{ ref("dim_customer") }} as dim_customer
        on
            customers.customer_unique_id = dim_customer.customer_unique_id
            and allocated.order_purchase_timestamp >= dim_customer.valid_from
            and allocated.order_purchase_timestamp < dim_customer.valid_to
    left join {{ ref("dim_product") }} as dim_product
        on allocated.product_id = dim_product.product_id
    left join {{ ref("dim_seller") }} as dim_seller
        on allocated.seller_id = dim_seller.seller_id
    left join {{ ref("dim_location") }} as customer_location
        on customers.customer_zip_code_prefix = customer_location.zip_code_prefix
    left join {{ ref("dim_location") }} as seller_location
        on dim_seller.zip_code_prefix = seller_location.zip_code_prefix
    left join {{ ref("dim_time") }} as dim_time
        on {{ date_key(local_date("allocated.order_purchase_timestamp")) }} = dim_time.date_key
)

select {{ cast_columns(columns, "final") }}
from final
