{#-
  Daily revenue: one row per local (São Paulo) purchase date, customer state and product
  category (English name), with the day's calendar attributes from dim_time.

  Revenue convention: only orders that are not 'canceled' or 'unavailable' count, here and in
  "first purchase" below. gmv is the sum of item_revenue (price + freight); items counts order
  items; orders counts distinct orders; average_order_value = gmv / orders at this grain (the
  category's part of the orders, not their whole value).

  Orders and customers do not add up across rows: an order with items in two categories is one
  order in each category's row, and a customer buying in two categories (or states) on a day
  is counted in each row. A day's (or month's, or state's) number of orders or customers must
  be counted distinct from fact_sales, not summed here; gmv and items do add up.

  new_customers: distinct customers (customer_unique_id) whose first ever purchase is that day;
  returning_customers: distinct customers who had bought on an earlier day. A customer is one or
  the other on a given day, whatever they bought that day. The customer's state and region
  come from the customer's location (dim_location); an unknown location has a null state and
  region 'Unknown'. Small: rebuilt in full each run.
-#}
{{ config(sort=["date_key", "customer_state"]) }}
{%- set columns = {
    "purchase_date": "date",
    "date_key": "integer",
    "year_month": "varchar(7)",
    "is_holiday": "boolean",
    "customer_state": "char(2)",
    "customer_region": "varchar(16)",
    "product_category": "varchar(200)",
    "gmv": "numeric(14,2)",
    "orders": "integer",
    "items": "integer",
    "average_order_value": "numeric(14,2)",
    "new_customers": "integer",
    "returning_customers": "integer",
} -%}

with

sales as (
    select
        order_id,
        customer_key,
        customer_location_key,
        product_key,
        purchase_date_key,
        item_revenue
    from {{ ref("fact_sales") }}
    where {{ is_counted_order("order_status") }}
),

lines as (
    select
        sales.order_id,
        sales.purchase_date_key,
        sales.item_revenue,
        customer_location.state as customer_state,
        customer_location.region as customer_region,
        dim_product.category_name_english as product_category,
        -- every version of a customer (dim_customer is SCD2) shares the unique id
        dim_customer.customer_unique_id
    from sales
    left join {{ ref("dim_location") }} as customer_location
        on sales.customer_location_key = customer_location.location_key
    left join {{ ref("dim_product") }} as dim_product
        on sales.product_key = dim_product.product_key
    left join {{ ref("dim_customer") }} as dim_customer
        on sales.customer_key = dim_customer.customer_key
),

first_purchases as (
    -- date keys (yyyymmdd) order as their dates do; -1, the unknown day, is no purchase day
    select
        customer_unique_id,
        min(purchase_date_key) as first_purchase_date_key
    from lines
    where customer_unique_id is not null and purchase_date_key != -1
    group by customer_unique_id
),

-- Distinct orders and customers by two levels of grouping instead of count(distinct ...),
-- which sorts the whole fact: first one row per order at the grain, then one per customer.
grain_orders as (
    select
        purchase_date_key,
        customer_state,
        customer_region,
        product_category,
        customer_unique_id,
        order_id,
        sum(item_revenue) as gmv,
        count(*) as items
    from lines
    group by
        purchase_date_key,
        customer_state,
        customer_region,
        product_category,
        customer_unique_id,
        order_id
),

grain_customers as (
    -- the unknown customers (no unique id) make one row here; they are neither new nor
    -- returning below, and their orders still count
    select
        purchase_date_key,
        customer_state,
        customer_region,
        product_category,
        customer_unique_id,
        sum(gmv) as gmv,
        count(*) as orders,
        sum(items) as items
    from grain_orders
    group by
        purchase_date_key,
        customer_state,
        customer_region,
        product_category,
        customer_unique_id
),

final as (
    select
        dim_time.calendar_date as purchase_date,
        dim_time.date_key,
        dim_time.year_month,
        dim_time.is_holiday,
        grain_customers.customer_state,
        grain_customers.customer_region,
        grain_customers.product_category,
        sum(grain_customers.gmv) as gmv,
        sum(grain_customers.orders) as orders,
        sum(grain_customers.items) as items,
        round(sum(grain_customers.gmv) / sum(grain_customers.orders), 2) as average_order_value,
        sum(
            case
                when first_purchases.first_purchase_date_key = grain_customers.purchase_date_key
                    then 1
                else 0
            end
        ) as new_customers,
        sum(
            case
                when first_purchases.first_purchase_date_key < grain_customers.purchase_date_key
                    then 1
                else 0
            end
        ) as returning_customers
    from grain_customers
    inner join {{ ref("dim_time") }} as dim_time
        on grain_customers.purchase_date_key = dim_time.date_key
    left join first_purchases
        on grain_customers.customer_unique_id = first_purchases.customer_unique_id
    group by
        dim_time.calendar_date,
        dim_time.date_key,
        dim_time.year_month,
        dim_time.is_holiday,
        grain_customers.customer_state,
        grain_customers.customer_region,
        grain_customers.product_category
)

select {{ cast_columns(columns, "final") }}
from final
