{#-
  Seller scorecard: one row per seller of dim_seller (not the unknown member), with its sales,
  service and a composite score and rank.

  Revenue convention: revenue (sum of item_revenue, price + freight), items, orders and the
  first and last sale dates count orders that are not 'canceled' or 'unavailable'. The service
  measures work at order level (one order counts once however many of the seller's items it
  holds) over all of the seller's orders: cancellation_rate = canceled orders / all orders;
  on_time_rate = delivered orders on time / delivered orders (delivered: status 'delivered'
  with a customer delivery date); average_review_score over the orders that have a review.
  Sale dates are local (São Paulo) purchase dates.

  composite_score, 0-100, rounded to 2 decimals:
      100 * ( 0.40 * on_time_rate
            + 0.30 * (average_review_score - 1) / 4       -- the 1-5 scale onto 0-1
            + 0.20 * revenue_percentile                    -- percent_rank of revenue, 0-1
            + 0.10 * (1 - cancellation_rate) )
  revenue_percentile ranks revenue among all sellers of the scorecard (0 the lowest, 1 the
  highest; equal revenues share a value). A component without evidence (no delivered order, no
  review, no order at all) contributes 0: a score is earned, never assumed.

  seller_rank: 1 is the best. Only sellers with at least 10 delivered orders
  (minimum_delivered_orders) are ranked, so one lucky sale cannot top the ranking; the others
  keep their score and a null rank.
  Ties on the (rounded, as shown) score go to the higher revenue, then to the smaller seller_id,
  so the ranking is deterministic. Small: rebuilt in full each run.
-#}
{{ config(sort=["seller_id"]) }}
{%- set minimum_delivered_orders = 10 -%}
{%- set columns = {
    "seller_id": "varchar(32)",
    "seller_state": "char(2)",
    "seller_city": "varchar(200)",
    "revenue": "numeric(14,2)",
    "orders": "integer",
    "items": "integer",
    "all_orders": "integer",
    "canceled_orders": "integer",
    "delivered_orders": "integer",
    "on_time_orders": "integer",
    "reviewed_orders": "integer",
    "on_time_rate": "numeric(5,4)",
    "cancellation_rate": "numeric(5,4)",
    "average_review_score": "numeric(3,2)",
    "revenue_percentile": "numeric(5,4)",
    "first_sale_date": "date",
    "last_sale_date": "date",
    "composite_score": "numeric(5,2)",
    "seller_rank": "integer",
} -%}

with

sales as (
    select * from {{ ref("fact_sales") }}
),

sellers as (
    select * from {{ ref("dim_seller") }}
    where seller_key != '-1'
),

seller_orders as (
    -- one row per order and seller, its first item: the other columns are the order's own.
    -- An anti-join rather than distinct or group by: no sort of the whole fact (the fact is
    -- read directly, as a CTE named twice would be materialised first).
    select
        sales.seller_key,
        sales.order_status,
        {{ is_counted_order("sales.order_status") }} as is_sale,
        sales.order_status = 'delivered' and sales.delivered_customer_at is not null
            as is_delivered,
        sales.is_on_time,
        sales.review_score,
        {{ local_date("sales.purchased_at") }} as purchase_date
    from sales
    where not exists (
        select 1 from {{ ref("fact_sales") }} as earlier_items
        where
            earlier_items.order_id = sales.order_id
            and earlier_items.seller_key = sales.seller_key
            and earlier_items.order_item_id < sales.order_item_id
    )
),

order_measures as (
    select
        seller_key,
        count(*) as all_orders,
        sum(case when is_sale then 1 else 0 end) as orders,
        sum(case when order_status = 'canceled' then 1 else 0 end) as canceled_orders,
        sum(case when is_delivered then 1 else 0 end) as delivered_orders,
        sum(case when is_delivered and is_on_time then 1 else 0 end) as on_time_orders,
        sum(review_score) as review_score_sum,
        count(review_score) as reviewed_orders,
        min(case when is_sale then purchase_date end) as first_sale_date,
        max(case when is_sale then purchase_date end) as last_sale_date
    from seller_orders
    group by seller_key
),

item_measures as (
    select
        seller_key,
        sum(item_revenue) as revenue,
        count(*) as items
    from sales
    where {{ is_counted_order("order_status") }}
    group by seller_key
),

measured as (
    -- numeric before dividing: integer / integer truncates in both engines
    select
        sellers.seller_id,
        sellers.state as seller_state,
        sellers.city as seller_city,
        coalesce(item_measures.revenue, 0) as revenue,
        coalesce(order_measures.orders, 0) as orders,
        coalesce(item_measures.items, 0) as items,
        coalesce(order_measures.all_orders, 0) as all_orders,
        coalesce(order_measures.canceled_orders, 0) as canceled_orders,
        coalesce(order_measures.delivered_orders, 0) as delivered_orders,
        coalesce(order_measures.on_time_orders, 0) as on_time_orders,
        coalesce(order_measures.reviewed_orders, 0) as reviewed_orders,
        cast(order_measures.on_time_orders as numeric(18, 8))
        / nullif(order_measures.delivered_orders, 0) as on_time_rate,
        cast(order_measures.canceled_orders as numeric(18, 8))
        / nullif(order_measures.all_orders, 0) as cancellation_rate,
        cast(order_measures.review_score_sum as numeric(18, 8))
        / nullif(order_measures.reviewed_orders, 0) as average_review_score,
        -- percent_rank is a double; numeric keeps the score exact and the same on every run
        cast(
            percent_rank() over (order by coalesce(item_measures.revenue, 0)) as numeric(18, 8)
        ) as revenue_percentile,
        order_measures.first_sale_date,
        order_measures.last_sale_date
    from sellers
    left join order_measures on sellers.seller_key = order_measures.seller_key
    left join item_measures on sellers.seller_key = item_measures.seller_key
),

scored as (
    select
        *,
        round(
            100 * (
                0.40 * coalesce(on_time_rate, 0)
                + 0.30 * coalesce((average_review_score - 1) / 4, 0)
                + 0.20 * revenue_percentile
                + 0.10 * coalesce(1 - cancellation_rate, 0)
            ),
            2
        ) as composite_score,
        delivered_orders >= {{ minimum_delivered_orders }} as is_ranked
    from measured
),

final as (
    select
        seller_id,
        seller_state,
        seller_city,
        revenue,
        orders,
        items,
        all_orders,
        canceled_orders,
        delivered_orders,
        on_time_orders,
        reviewed_orders,
        round(on_time_rate, 4) as on_time_rate,
        round(cancellation_rate, 4) as cancellation_rate,
        round(average_review_score, 2) as average_review_score,
        round(revenue_percentile, 4) as revenue_percentile,
        first_sale_date,
        last_sale_date,
        composite_score,
        case
            when is_ranked
                then row_number() over (
                    partition by is_ranked
                    order by composite_score desc, revenue desc, seller_id
                )
        end as seller_rank
    from scored
)

select {{ cast_columns(columns, "final") }}
from final
