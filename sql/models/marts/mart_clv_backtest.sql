{#-
  How well mart_clv's 12-month prediction did on the warehouse's own data: one row per as-of
  date (a rerun for the same day replaces its row; other days' rows stay, so the table shows how
  the error moves as history grows).

  The method of mart_clv (the macros of macros/clv.sql) is run as if the day were
  cutoff_date = as_of_date - 365 days: customers with a counted order before the cutoff are
  scored with rates measured on the year before the cutoff, and each prediction is compared
  with what the customer paid in [cutoff_date, as_of_date). Counted orders: not 'canceled' or
  'unavailable'; values are payments (R$).

  - customers: customers with an order before the cutoff; returning_customers: those of them
    who ordered again in the following year;
  - predicted_orders / actual_orders and predicted_total / actual_total: the sums, which the
    method aims to get right (it predicts expected values);
  - mae / rmse: mean absolute / root mean squared error per customer;
  - zero_baseline_mae / zero_baseline_rmse: predicting that nobody pays anything. Most customers
    never return, so zero is the median outcome and hard to beat on absolute error; an
    expected-value method wins on rmse and totals;
  - historical_mean_baseline_mae: predicting that each customer orders once more at their
    average order value.
  Without a customer before the cutoff the row has 0 customers and null figures; without a year
  of history before the cutoff the method predicts nothing (null prediction figures).

  Incremental: each run deletes the row of its as-of date and inserts it again (delete+insert
  on as_of_date). A change of columns fails the run (on_schema_change), as the model's contract
  (_marts.yml) requires of an incremental model: a full refresh rebuilds the table.
-#}
{{ config(
    materialized="incremental",
    incremental_strategy="delete+insert",
    unique_key="as_of_date",
    on_schema_change="fail",
    sort=["as_of_date"],
) }}
{%- set columns = {
    "as_of_date": "date",
    "cutoff_date": "date",
    "customers": "integer",
    "returning_customers": "integer",
    "predicted_orders": "numeric(12,2)",
    "actual_orders": "integer",
    "predicted_total": "numeric(14,2)",
    "actual_total": "numeric(14,2)",
    "mae": "numeric(14,2)",
    "rmse": "numeric(14,2)",
    "zero_baseline_mae": "numeric(14,2)",
    "zero_baseline_rmse": "numeric(14,2)",
    "historical_mean_baseline_mae": "numeric(14,2)",
} -%}

with

as_of as (
    select {{ as_of_date(ref("fact_sales")) }} as as_of_date
),

dates as (
    select
        as_of_date,
        {{ add_days("as_of_date", -365) }} as cutoff_date
    from as_of
),

orders as (
    {{ counted_orders(ref("fact_sales"), ref("dim_customer")) }}
),

{{ clv_predictions("calibration", "cutoff_date") }},

actuals as (
    -- what each customer ordered and paid in the year after the cutoff
    select
        orders.customer_unique_id,
        count(*) as actual_orders,
        sum(orders.order_value) as actual_value
    from orders
    cross join dates
    where orders.purchase_date >= dates.cutoff_date and orders.purchase_date < dates.as_of_date
    group by orders.customer_unique_id
),

compared as (
    -- predictions rounded to the cent as mart_clv publishes them
    select
        calibration.expected_orders,
        cast(calibration.predicted_value as numeric(14, 2)) as predicted_value,
        calibration.historical_value / calibration.order_count as historical_mean_value,
        coalesce(actuals.actual_orders, 0) as actual_orders,
        coalesce(actuals.actual_value, 0) as actual_value
    from calibration
    left join actuals on calibration.customer_unique_id = actuals.customer_unique_id
),

errors as (
    -- one row even when there is no customer to score
    select
        count(*) as customers,
        count(case when actual_orders > 0 then 1 end) as returning_customers,
        sum(expected_orders) as predicted_orders,
        sum(actual_orders) as actual_orders,
        sum(predicted_value) as predicted_total,
        sum(actual_value) as actual_total,
        avg(abs(predicted_value - actual_value)) as mae,
        sqrt(avg((predicted_value - actual_value) * (predicted_value - actual_value))) as rmse,
        -- payments are never negative: |0 - actual| is the actual value
        avg(actual_value) as zero_baseline_mae,
        sqrt(avg(actual_value * actual_value)) as zero_baseline_rmse,
        avg(abs(historical_mean_value - actual_value)) as historical_mean_baseline_mae
    from compared
),

final as (
    -- each figure rounded once, by the final cast to its column's type
    select
        dates.as_of_date,
        dates.cutoff_date,
        errors.customers,
        errors.returning_customers,
        errors.predicted_orders,
        errors.actual_orders,
        errors.predicted_total,
        errors.actual_total,
        errors.mae,
        errors.rmse,
        errors.zero_baseline_mae,
        errors.zero_baseline_rmse,
        errors.historical_mean_baseline_mae
    from dates
    cross join errors
)

select {{ cast_columns(columns, "final") }}
from final
