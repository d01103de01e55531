{#-
  The customer lifetime value method of marts.mart_clv (its header explains it), as macros so
  mart_clv_backtest runs the very same method from a year earlier.
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
