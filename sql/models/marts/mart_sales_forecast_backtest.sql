{#-
  How well the sales forecast did on the 90 days before the history's end: one row of error
  metrics of mart_sales_forecast's backtest rows (the model fit on the history up to
  origin_date, predicting the days after it), next to the same metrics of the seasonal-naive
  baseline (the origin's last week repeated), so a dashboard shows one KPI and whether the model
  earns its keep. No row when the history is too short for a backtest.

  - wape: sum |predicted - actual| / sum actual; days without sales count, unlike in MAPE;
  - bias: sum (predicted - actual) / sum actual: positive when the model over-forecasts;
  - mape: mean |predicted - actual| / actual over the days with sales (mape_days of them).
  Ratios, not percentages. Computed from the stored (rounded) daily values, in double precision
  (Redshift's decimal division keeps a scale that depends on its inputs').
-#}
{%- set columns = {
    "origin_date": "date",
    "first_date": "date",
    "last_date": "date",
    "days": "smallint",
    "actual_revenue": "numeric(14,2)",
    "predicted_revenue": "numeric(14,2)",
    "baseline_revenue": "numeric(14,2)",
    "wape": "numeric(12,4)",
    "bias": "numeric(12,4)",
    "mape": "numeric(12,4)",
    "mape_days": "smallint",
    "baseline_wape": "numeric(12,4)",
    "baseline_bias": "numeric(12,4)",
    "baseline_mape": "numeric(12,4)",
} -%}

with

backtest as (
    select
        origin_date,
        forecast_date,
        cast(actual_revenue as double precision) as actual_revenue,
        cast(predicted_revenue as double precision) as predicted_revenue,
        cast(baseline_revenue as double precision) as baseline_revenue
    from {{ ref("mart_sales_forecast") }}
    where kind = 'backtest'
),

errors as (
    select
        origin_date,
        forecast_date,
        actual_revenue,
        predicted_revenue,
        baseline_revenue,
        predicted_revenue - actual_revenue as error,
        baseline_revenue - actual_revenue as baseline_error,
        case
            when actual_revenue > 0 then abs(predicted_revenue - actual_revenue) / actual_revenue
        end as percentage_error,
        case
            when actual_revenue > 0 then abs(baseline_revenue - actual_revenue) / actual_revenue
        end as baseline_percentage_error
    from backtest
),

metrics as (
    select
        origin_date,
        min(forecast_date) as first_date,
        max(forecast_date) as last_date,
        count(*) as days,
        sum(actual_revenue) as actual_revenue,
        sum(predicted_revenue) as predicted_revenue,
        sum(baseline_revenue) as baseline_revenue,
        sum(abs(error)) / nullif(sum(actual_revenue), 0) as wape,
        sum(error) / nullif(sum(actual_revenue), 0) as bias,
        avg(percentage_error) as mape,
        count(percentage_error) as mape_days,
        sum(abs(baseline_error)) / nullif(sum(actual_revenue), 0) as baseline_wape,
        sum(baseline_error) / nullif(sum(actual_revenue), 0) as baseline_bias,
        avg(baseline_percentage_error) as baseline_mape
    from errors
    group by origin_date
),

final as (
    select
        origin_date,
        first_date,
        last_date,
        days,
        round(cast(actual_revenue as numeric(18, 6)), 2) as actual_revenue,
        round(cast(predicted_revenue as numeric(18, 6)), 2) as predicted_revenue,
        round(cast(baseline_revenue as numeric(18, 6)), 2) as baseline_revenue,
        round(cast(wape as numeric(18, 8)), 4) as wape,
        round(cast(bias as numeric(18, 8)), 4) as bias,
        round(cast(mape as numeric(18, 8)), 4) as mape,
        mape_days,
        round(cast(baseline_wape as numeric(18, 8)), 4) as baseline_wape,
        round(cast(baseline_bias as numeric(18, 8)), 4) as baseline_bias,
        round(cast(baseline_mape as numeric(18, 8)), 4) as baseline_mape
    from metrics
)

select {{ cast_columns(columns, "final") }}
from final
