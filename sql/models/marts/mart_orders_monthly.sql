{#-
  Orders per purchase month (São Paulo time) and customer state: the orders that count as sales
  (is_counted_order), each once, so orders add up across months and states (mart_revenue_daily's
  orders do not: there an order is in each of its categories).

  - revenue: the items' price and freight (item_revenue), as mart_revenue_daily's gmv;
  - new_customers: customers (customer_unique_id) whose first counted order is in the row, so
    they add up too; returning_orders: the row's other orders of known customers.

  The customer's state and region come from the customer's location at the sale (dim_location);
  an unknown location has a null state and region 'Unknown'. Small: rebuilt in full each run.
-#}
{{ config(sort=["purchase_month", "customer_state"]) }}
{%- set columns = {
    "purchase_month": "date",
    "customer_state": "char(2)",
    "customer_region": "varchar(16)",
    "orders": "integer",
    "revenue": "numeric(14,2)",
    "items": "integer",
    "new_customers": "integer",
    "returning_orders": "integer",
} -%}

with

sales as (
    select
        fact_sales.order_id,
        dim_customer.customer_unique_id,
        customer_location.state as customer_state,
        customer_location.region as customer_region,
        min(fact_sales.purchased_at) as purchased_at,
        min(fact_sales.purchase_date_key) as purchase_date_key,
        sum(fact_sales.item_revenue) as revenue,
        count(*) as items
    from {{ ref("fact_sales") }} as fact_sales
    left join {{ ref("dim_customer") }} as dim_customer
        on fact_sales.customer_key = dim_customer.customer_key
    left join {{ ref("dim_location") }} as customer_location
        on fact_sales.customer_location_key = customer_location.location_key
    where {{ is_counted_order("fact_sales.order_status") }}
    group by
        fact_sales.order_id,
        dim_customer.customer_unique_id,
        customer_location.state,
        customer_location.region
),

ranked as (
    select
        *,
        case
            when customer_unique_id is not null
                then row_number() over (
                    partition by customer_unique_id order by purchased_at, order_id
                )
        end as customer_order_number
    from sales
),

final as (
    select
        cast(date_trunc('month', dim_time.calendar_date) as date) as purchase_month,
        ranked.customer_state,
        ranked.customer_region,
        count(*) as orders,
        sum(ranked.revenue) as revenue,
        sum(ranked.items) as items,
        sum(case when ranked.customer_order_number = 1 then 1 else 0 end) as new_customers,
        sum(case when ranked.customer_order_number > 1 then 1 else 0 end) as returning_orders
    from ranked
    inner join {{ ref("dim_time") }} as dim_time
        on ranked.purchase_date_key = dim_time.date_key
    group by
        cast(date_trunc('month', dim_time.calendar_date) as date),
        ranked.customer_state,
        ranked.customer_region
)

select {{ cast_columns(columns, "final") }}
from final
