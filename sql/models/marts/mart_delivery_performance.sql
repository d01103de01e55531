{#-
  Delivery performance: one row per customer state, purchase month (year_month of the local
  purchase date, from dim_time) and seller.

  Order level inside a seller: the delivery dates and the review belong to the order, so an
  order with several items from one seller counts once for that seller (an order split between
  two sellers counts once for each). `orders` counts every order of the grain, whatever its
  status; the delivery measures count delivered orders only: status 'delivered' with a customer
  delivery date. Late means is_on_time false (delivered after the estimated date); a delivered
  order without an estimate is neither late nor on time but stays in delivered_orders.

  Averages do not add up, so each one is stored next to the sums and counts it is made of:
  a roll-up (by state, by month, by region, over all sellers) sums those and divides again,
  e.g. avg_delivery_days = sum(delivery_days_sum) / sum(delivered_orders) and
  late_share = sum(late_orders) / sum(delivered_orders). Sums and counts are 0, not null, when
  nothing qualifies; an average is null when its count is 0.

  The customer's state and region come from the customer's location (dim_location); an unknown
  location has a null state and region 'Unknown'. Small: rebuilt in full each run.
-#}
{{ config(sort=["year_month", "customer_state", "seller_id"]) }}
{%- set columns = {
    "customer_state": "char(2)",
    "customer_region": "varchar(16)",
    "year_month": "varchar(7)",
    "seller_id": "varchar(32)",
    "orders": "integer",
    "delivered_orders": "integer",
    "late_orders": "integer",
    "avg_delivery_days": "numeric(8,2)",
    "late_share": "numeric(5,4)",
    "avg_delay_days_late": "numeric(8,2)",
    "avg_review_on_time": "numeric(3,2)",
    "avg_review_late": "numeric(3,2)",
    "delivery_days_sum": "integer",
    "late_delay_days_sum": "integer",
    "on_time_review_sum": "integer",
    "on_time_review_count": "integer",
    "late_review_sum": "integer",
    "late_review_count": "integer",
} -%}

with

sales as (
    select * from {{ ref("fact_sales") }}
),

seller_orders as (
    -- one row per order and seller, its first item: the other columns are the order's own.
    -- An anti-join rather than distinct or group by: no sort of the whole fact (the fact is
    -- read directly, as a CTE named twice would be materialised first).
    select
        sales.order_id,
        sales.seller_key,
        sales.customer_location_key,
        sales.purchase_date_key,
        sales.order_status = 'delivered' and sales.delivered_customer_at is not null
            as is_delivered,
        sales.delivery_days,
        sales.delay_days,
        sales.is_on_time,
        sales.review_score
    from sales
    where not exists (
        select 1 from {{ ref("fact_sales") }} as earlier_items
        where
            earlier_items.order_id = sales.order_id
            and earlier_items.seller_key = sales.seller_key
            and earlier_items.order_item_id < sales.order_item_id
    )
),

classified as (
    select
        customer_location.state as customer_state,
        customer_location.region as customer_region,
        dim_time.year_month,
        dim_seller.seller_id,
        seller_orders.is_delivered,
        seller_orders.is_delivered and seller_orders.is_on_time as is_on_time_delivery,
        seller_orders.is_delivered and not seller_orders.is_on_time as is_late_delivery,
        seller_orders.delivery_days,
        seller_orders.delay_days,
        seller_orders.review_score
    from seller_orders
    left join {{ ref("dim_location") }} as customer_location
        on seller_orders.customer_location_key = customer_location.location_key
    left join {{ ref("dim_time") }} as dim_time
        on seller_orders.purchase_date_key = dim_time.date_key
    left join {{ ref("dim_seller") }} as dim_seller
        on seller_orders.seller_key = dim_seller.seller_key
),

aggregated as (
    select
        customer_state,
        customer_region,
        year_month,
        seller_id,
        count(*) as orders,
        sum(case when is_delivered then 1 else 0 end) as delivered_orders,
        sum(case when is_late_delivery then 1 else 0 end) as late_orders,
        coalesce(sum(case when is_delivered then delivery_days end), 0) as delivery_days_sum,
        coalesce(sum(case when is_late_delivery then delay_days end), 0) as late_delay_days_sum,
        coalesce(sum(case when is_on_time_delivery then review_score end), 0)
            as on_time_review_sum,
        count(case when is_on_time_delivery then review_score end) as on_time_review_count,
        coalesce(sum(case when is_late_delivery then review_score end), 0) as late_review_sum,
        count(case when is_late_delivery then review_score end) as late_review_count
    from classified
    group by customer_state, customer_region, year_month, seller_id
),

final as (
    -- numeric before dividing: integer / integer truncates in both engines
    select
        customer_state,
        customer_region,
        year_month,
        seller_id,
        orders,
        delivered_orders,
        late_orders,
        round(cast(delivery_days_sum as numeric(14, 4)) / nullif(delivered_orders, 0), 2)
            as avg_delivery_days,
        round(cast(late_orders as numeric(14, 4)) / nullif(delivered_orders, 0), 4)
            as late_share,
        round(cast(late_delay_days_sum as numeric(14, 4)) / nullif(late_orders, 0), 2)
            as avg_delay_days_late,
        round(cast(on_time_review_sum as numeric(14, 4)) / nullif(on_time_review_count, 0), 2)
            as avg_review_on_time,
        round(cast(late_review_sum as numeric(14, 4)) / nullif(late_review_count, 0), 2)
            as avg_review_late,
        delivery_days_sum,
        late_delay_days_sum,
        on_time_review_sum,
        on_time_review_count,
        late_review_sum,
        late_review_count
    from aggregated
)

select {{ cast_columns(columns, "final") }}
from final
