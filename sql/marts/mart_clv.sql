{#-
  One row per customer (customer_unique_id) with at least one counted order before the as-of
  date: their value so far and a prediction of what they will pay in the next 12 months.

  Orders count when their status is not 'canceled' or 'unavailable' (the marts' revenue
  convention); an order's value is the payments it collected (sum of payment_share, R$). The
  as-of date is `as_of_date` (the run's day, or the day after the latest purchase when the data
  ends earlier); only orders bought before it count. tenure_days runs from the first purchase
  to the as-of date, recency_days from the last one.

  predicted_12m_value = expected_12m_orders * expected_order_value, where
  - expected_12m_orders: how many orders customers like this one placed in a year, measured on
    the warehouse's own history. Customers are grouped by orders so far (1, 2, 3 or more) and
    days since their last order (under 30, 30-89, 90-179, 180-364, 365 or more). The rate of a
    group is read off the year before the as-of date: the customers who had ordered before
    (as_of_date - 365 days), grouped by their state on that day, and the orders they placed in
    the following 365 days. A group's rate is shrunk towards the rate of all those customers
    with the weight of 20 customers, (group orders + 20 * overall rate) / (group customers + 20),
    so a thin group (repeat buyers are few) says little and an empty one takes the overall rate.
  - expected_order_value: the customer's average order value shrunk towards the population's
    (all counted orders before the as-of date) with the weight of one order,
    (historical value + population AOV) / (orders + 1): one order says little about the next.
  About 97% of Olist customers never order again, so most predictions are small: an expected
  value, not "what this customer will spend". The method assumes the coming year repeats the
  last one; mart_clv_backtest runs it from a year earlier and compares it with what customers
  then paid, which shows how far that holds. When nobody ordered more than a year before the
  as-of date there is no year to measure on, and the prediction is null.

  The macros below are the method; mart_clv_backtest imports them. Rebuilt in full each run.
-#}

{#- Each customer's orders before the date `dates.<at>` (minus `days_back` days), and the group
    (orders so far, days since the last order) the method rates them by. -#}
{% macro customer_state(at, days_back=0) -%}
{%- set day = add_days("dates." ~ at, -days_back) if days_back else "dates." ~ at -%}
select
        orders.customer_unique_id,
        count(*) as order_count,
        sum(orders.order_value) as historical_value,
        min(orders.purchase_date) as first_purchase_date,
        max(orders.purchase_date) as last_purchase_date,
        least(count(*), 3) as order_group,
        case
            when {{ day }} - max(orders.purchase_date) < 30 then 1
            when {{ day }} - max(orders.purchase_date) < 90 then 2
            when {{ day }} - max(orders.purchase_date) < 180 then 3
            when {{ day }} - max(orders.purchase_date) < 365 then 4
            else 5
        end as recency_group
    from orders
    cross join dates
    where orders.purchase_date < {{ day }}
    group by orders.customer_unique_id, dates.{{ at }}
{%- endmacro %}

{#- CTEs `<name>_*` ending in `<name>`: one row per customer with an order before `dates.<at>`,
    with the prediction made on that day. Needs the CTEs `orders` (counted_orders) and `dates`
    (one row holding the column `at`). -#}
{% macro clv_predictions(name, at) -%}
{{ name }}_state as (
    {{ customer_state(at) }}
),

{{ name }}_year_before as (
    {{ customer_state(at, days_back=365) }}
),

{{ name }}_observed as (
    -- the customers of a year earlier, in their group of that day, and the orders they placed
    -- in the year that followed
    select
        year_before.order_group,
        year_before.recency_group,
        count(orders.order_id) as next_year_orders
    from {{ name }}_year_before as year_before
    cross join dates
    left join orders
        on
            year_before.customer_unique_id = orders.customer_unique_id
            and orders.purchase_date >= {{ add_days("dates." ~ at, -365) }}
            and orders.purchase_date < dates.{{ at }}
    group by year_before.customer_unique_id, year_before.order_group, year_before.recency_group
),

{{ name }}_group_rates as (
    select
        order_group,
        recency_group,
        count(*) as customers,
        sum(next_year_orders) as next_year_orders
    from {{ name }}_observed
    group by order_group, recency_group
),

{{ name }}_overall_rate as (
    -- null without a year of history: then nothing is predicted
    select cast(sum(next_year_orders) as double precision) / nullif(count(*), 0) as orders_per_year
    from {{ name }}_observed
),

{{ name }}_population as (
    select
        cast(sum(historical_value) as double precision)
        / nullif(sum(order_count), 0) as average_order_value
    from {{ name }}_state
),

{{ name }}_expected as (
    select
        state.customer_unique_id,
        state.order_count,
        state.historical_value,
        state.first_purchase_date,
        state.last_purchase_date,
        (coalesce(group_rates.next_year_orders, 0) + 20 * overall_rate.orders_per_year)
        / (coalesce(group_rates.customers, 0) + 20) as expected_orders,
        (cast(state.historical_value as double precision) + population.average_order_value)
        / (state.order_count + 1) as expected_order_value
    from {{ name }}_state as state
    cross join {{ name }}_overall_rate as overall_rate
    cross join {{ name }}_population as population
    left join {{ name }}_group_rates as group_rates
        on
            state.order_group = group_rates.order_group
            and state.recency_group = group_rates.recency_group
),

{{ name }} as (
    select
        *,
        expected_orders * expected_order_value as predicted_value
    from {{ name }}_expected
)
{%- endmacro %}

{%- set columns = {
    "as_of_date": "date not null",
    "customer_unique_id": "varchar(32) not null",
    "first_purchase_date": "date not null",
    "last_purchase_date": "date not null",
    "tenure_days": "integer not null",
    "recency_days": "integer not null",
    "orders": "integer not null",
    "historical_value": "numeric(14,2) not null",
    "average_order_value": "numeric(14,2) not null",
    "expected_12m_orders": "numeric(10,4)",
    "expected_order_value": "numeric(14,2) not null",
    "predicted_12m_value": "numeric(14,2)",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["customer_unique_id"]) }};

delete from {{ this }};

insert into {{ this }} ({{ columns | join(", ") }})
with

dates as (
    select {{ as_of_date(ref("fact_sales")) }} as as_of_date
),

orders as (
    {{ counted_orders() }}
),

{{ clv_predictions("predictions", "as_of_date") }},

final as (
    select
        dates.as_of_date,
        predictions.customer_unique_id,
        predictions.first_purchase_date,
        predictions.last_purchase_date,
        dates.as_of_date - predictions.first_purchase_date as tenure_days,
        dates.as_of_date - predictions.last_purchase_date as recency_days,
        predictions.order_count as orders,
        predictions.historical_value,
        cast(
            predictions.historical_value / predictions.order_count as numeric(14, 2)
        ) as average_order_value,
        cast(predictions.expected_orders as numeric(10, 4)) as expected_12m_orders,
        cast(predictions.expected_order_value as numeric(14, 2)) as expected_order_value,
        cast(predictions.predicted_value as numeric(14, 2)) as predicted_12m_value
    from predictions
    cross join dates
)

select * from final;
