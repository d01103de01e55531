{#-
  Daily revenue for the 90 days after the history ends, with the same model's backtest on the 90
  days before: one row a day, kind 'forecast' (predicted only) or 'backtest' (predicted and actual),
  so one query draws the recent history, the backtest and the forecast on one time axis.
  marts.mart_sales_forecast_backtest sums the backtest rows into error metrics.

  Revenue (GMV) of a day: item_revenue (price + freight) of the items of orders purchased that
  local (São Paulo) day, except orders canceled or unavailable, which sold nothing.

  History: every calendar day from the first sale to the last day with sales before the marts'
  as-of date (as_of_date: the run's day, whose sales are still coming in, or the day after the
  latest purchase). A day without sales inside it counts as zero. Trailing days without sales are
  not history: they mean the feed stopped, not that demand did (Olist's extract holds only
  canceled orders after 2018-08-31, so its history ends there and a forecast from 46 empty days
  would be zero).

  Model "level × weekday × trend", fit at an origin (the history's last day):
  - level: mean daily revenue of the 28 days up to the origin;
  - weekday factor: over the 12 weeks up to the origin, counted back in 7-day blocks (each holds
    every weekday once), the mean of each weekday's revenue divided by its block's mean; blocks
    without revenue, or cut by the history's start, are skipped. The factors average 1;
  - trend: T = level / mean of the 28 days before, and the factor sqrt(T) within [0.8, 1.2].
    The level is centred 14 days before the origin, so sqrt(T) (half of 28 days' growth) brings it
    to the origin; growth is not projected further (a fully damped trend, safer over 90 days than
    extrapolating a month's change), and the cap keeps one odd month from moving it more than
    20%. Without a full previous 28 days, or with no revenue in it, T is 1;
  - predicted revenue of a day = level × its weekday factor × trend factor.
  The backtest fits the same model at the origin 90 days before the history's end and predicts
  those 90 days, next to what happened. baseline_revenue is the seasonal-naive forecast from the
  same origin (the origin's last 7 days, repeated by weekday): the bar the model must beat.
  The 80% interval of the forecast: ± the 80th percentile of the backtest's relative errors
  |actual / predicted - 1|; none without a backtest.

  The model computes in double precision: Redshift's decimal averages keep only the input's scale.
  Small: rebuilt entirely each run.
-#}
{{ config(sort=["forecast_date"]) }}
{%- set columns = {
    "forecast_date": "date",
    "date_key": "integer",
    "kind": "varchar(8)",
    "origin_date": "date",
    "horizon_day": "smallint",
    "predicted_revenue": "numeric(14,2)",
    "lower_revenue": "numeric(14,2)",
    "upper_revenue": "numeric(14,2)",
    "actual_revenue": "numeric(14,2)",
    "baseline_revenue": "numeric(14,2)",
    "level_revenue": "numeric(14,2)",
    "weekday_factor": "numeric(8,4)",
    "trend_factor": "numeric(8,4)",
} -%}
{%- set horizon_days = 90 -%}
{%- set level_days = 28 -%}
{%- set weekday_weeks = 12 -%}
{%- set trend_cap = 0.2 -%}
{%- set interval_coverage = 0.8 -%}
{#- the days up to an origin that a fit reads: the weekday window and the level's two windows -#}
{%- set fit_window_days = [7 * weekday_weeks, 2 * level_days] | max -%}

with

sales as (
    -- canceled and unavailable orders sold nothing
    select
        purchase_date_key,
        item_revenue
    from {{ ref("fact_sales") }}
    where {{ is_counted_order("order_status") }} and purchase_date_key <> -1
),

calendar as (
    select
        date_key,
        calendar_date,
        day_of_week
    from {{ ref("dim_time") }}
    where date_key <> -1
),

daily_sales as (
    select
        calendar.calendar_date as sales_date,
        sum(sales.item_revenue) as revenue
    from sales
    inner join calendar on sales.purchase_date_key = calendar.date_key
    group by calendar.calendar_date
),

history_bounds as (
    -- the as-of day's sales are still coming in; empty days after the last sale are no history
    select
        min(sales_date) as first_date,
        max(sales_date) as end_date
    from daily_sales
    where sales_date < {{ as_of_date(ref("fact_sales")) }}
),

origins as (
    select
        cast('forecast' as varchar(8)) as kind,
        end_date as origin_date
    from history_bounds
    where end_date is not null
    union all
    select
        cast('backtest' as varchar(8)) as kind,
        {{ add_days("end_date", -horizon_days) }} as origin_date
    from history_bounds
    -- a backtest needs a full level window before its origin
    where {{ add_days("end_date", -horizon_days) }} >= {{ add_days("first_date", level_days - 1) }}
),

daily_revenue as (
    -- every day of the history, so a day without sales is a zero in the averages
    select
        calendar.calendar_date,
        calendar.day_of_week,
        cast(coalesce(daily_sales.revenue, 0) as double precision) as revenue
    from calendar
    cross join history_bounds
    left join daily_sales on calendar.calendar_date = daily_sales.sales_date
    where calendar.calendar_date between history_bounds.first_date and history_bounds.end_date
),

fit_days as (
    -- each origin's last {{ fit_window_days }} days
    select
        origins.kind,
        daily_revenue.day_of_week,
        daily_revenue.revenue,
        origins.origin_date - daily_revenue.calendar_date as days_back
    from origins
    inner join daily_revenue
        on
            daily_revenue.calendar_date <= origins.origin_date
            and origins.origin_date - daily_revenue.calendar_date < {{ fit_window_days }}
),

level_windows as (
    -- window 0: the level's {{ level_days }} days up to the origin; window 1: the days before
    select
        kind,
        avg(case when days_back / {{ level_days }} = 0 then revenue end) as level_revenue,
        avg(case when days_back / {{ level_days }} = 1 then revenue end) as previous_level_revenue,
        count(case when days_back / {{ level_days }} = 1 then 1 end) as previous_days
    from fit_days
    group by kind
),

trends as (
    select
        kind,
        level_revenue,
        case
            when previous_days = {{ level_days }} and previous_level_revenue > 0
                then least(
                    {{ 1 + trend_cap }},
                    greatest({{ 1 - trend_cap }}, sqrt(level_revenue / previous_level_revenue))
                )
            else 1
        end as trend_factor
    from level_windows
),

weekly_means as (
    select
        kind,
        days_back / 7 as weeks_back,
        avg(revenue) as week_mean_revenue,
        count(*) as days
    from fit_days
    where days_back < {{ 7 * weekday_weeks }}
    group by kind, days_back / 7
),

weekday_ratios as (
    select
        fit_days.kind,
        fit_days.day_of_week,
        fit_days.revenue / weekly_means.week_mean_revenue as weekday_ratio
    from fit_days
    inner join weekly_means
        on
            fit_days.kind = weekly_means.kind
            and fit_days.days_back / 7 = weekly_means.weeks_back
    where weekly_means.days = 7 and weekly_means.week_mean_revenue > 0
),

weekday_factors as (
    select
        kind,
        day_of_week,
        avg(weekday_ratio) as weekday_factor
    from weekday_ratios
    group by kind, day_of_week
),

last_weeks as (
    -- the seasonal-naive baseline repeats the origin's last week
    select
        kind,
        day_of_week,
        revenue as baseline_revenue
    from fit_days
    where days_back < 7
),

horizon as (
    select
        origins.kind,
        origins.origin_date,
        calendar.calendar_date as forecast_date,
        calendar.date_key,
        calendar.day_of_week,
        calendar.calendar_date - origins.origin_date as horizon_day
    from origins
    inner join calendar
        on
            calendar.calendar_date > origins.origin_date
            and calendar.calendar_date <= {{ add_days("origins.origin_date", horizon_days) }}
),

predictions as (
    select
        horizon.kind,
        horizon.origin_date,
        horizon.forecast_date,
        horizon.date_key,
        horizon.horizon_day,
        trends.level_revenue,
        coalesce(weekday_factors.weekday_factor, 1) as weekday_factor,
        trends.trend_factor,
        trends.level_revenue
        * coalesce(weekday_factors.weekday_factor, 1)
        * trends.trend_factor as predicted_revenue,
        last_weeks.baseline_revenue,
        case when horizon.kind = 'backtest' then daily_revenue.revenue end as actual_revenue
    from horizon
    inner join trends on horizon.kind = trends.kind
    left join weekday_factors
        on
            horizon.kind = weekday_factors.kind
            and horizon.day_of_week = weekday_factors.day_of_week
    left join last_weeks
        on horizon.kind = last_weeks.kind and horizon.day_of_week = last_weeks.day_of_week
    left join daily_revenue on horizon.forecast_date = daily_revenue.calendar_date
),

interval_width as (
    -- no rows (no backtest) give a null width: no interval
    select
        percentile_cont({{ interval_coverage }}) within group (
            order by abs(actual_revenue / predicted_revenue - 1)
        ) as relative_error
    from predictions
    where kind = 'backtest' and predicted_revenue > 0
),

interval_factors as (
    -- revenue is never negative (a case, not greatest(): that skips a null width)
    select
        case when relative_error > 1 then 0 else 1 - relative_error end as lower_factor,
        1 + relative_error as upper_factor
    from interval_width
),

final as (
    select
        predictions.forecast_date,
        predictions.date_key,
        predictions.kind,
        predictions.origin_date,
        predictions.horizon_day,
        round(cast(predictions.predicted_revenue as numeric(18, 6)), 2) as predicted_revenue,
        case
            when predictions.kind = 'forecast'
                then round(cast(
                    predictions.predicted_revenue * interval_factors.lower_factor
                    as numeric(18, 6)
                ), 2)
        end as lower_revenue,
        case
            when predictions.kind = 'forecast'
                then round(cast(
                    predictions.predicted_revenue * interval_factors.upper_factor
                    as numeric(18, 6)
                ), 2)
        end as upper_revenue,
        round(cast(predictions.actual_revenue as numeric(18, 6)), 2) as actual_revenue,
        round(cast(predictions.baseline_revenue as numeric(18, 6)), 2) as baseline_revenue,
        round(cast(predictions.level_revenue as numeric(18, 6)), 2) as level_revenue,
        round(cast(predictions.weekday_factor as numeric(18, 6)), 4) as weekday_factor,
        round(cast(predictions.trend_factor as numeric(18, 6)), 4) as trend_factor
    from predictions
    cross join interval_factors
)

select {{ cast_columns(columns, "final") }}
from final
