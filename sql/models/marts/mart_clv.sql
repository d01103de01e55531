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

  The method is the macros of macros/clv.sql (customer_state, clv_predictions), which
  mart_clv_backtest calls too. Rebuilt in full each run.
-#}
{{ config(sort=["customer_unique_id"]) }}
{%- set columns = {
    "as_of_date": "date",
    "customer_unique_id": "varchar(32)",
    "first_purchase_date": "date",
    "last_purchase_date": "date",
    "tenure_days": "integer",
    "recency_days": "integer",
    "orders": "integer",
    "historical_value": "numeric(14,2)",
    "average_order_value": "numeric(14,2)",
    "expected_12m_orders": "numeric(10,4)",
    "expected_order_value": "numeric(14,2)",
    "predicted_12m_value": "numeric(14,2)",
} -%}

with

dates as (
    select {{ as_of_date(ref("fact_sales")) }} as as_of_date
),

orders as (
    {{ counted_orders(ref("fact_sales"), ref("dim_customer")) }}
),

{{ clv_predictions("predictions", "as_of_date") }},

final as (
    -- each figure rounded once, by the final cast to its column's type
    select
        dates.as_of_date,
        predictions.customer_unique_id,
        predictions.first_purchase_date,
        predictions.last_purchase_date,
        dates.as_of_date - predictions.first_purchase_date as tenure_days,
        dates.as_of_date - predictions.last_purchase_date as recency_days,
        predictions.order_count as orders,
        predictions.historical_value,
        predictions.historical_value / predictions.order_count as average_order_value,
        predictions.expected_orders as expected_12m_orders,
        predictions.expected_order_value,
        predictions.predicted_value as predicted_12m_value
    from predictions
    cross join dates
)

select {{ cast_columns(columns, "final") }}
from final
