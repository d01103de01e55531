-- Daily revenue of mart_sales_forecast in one row per day: the backtest's actual revenue and
-- predictions (the model fit before the backtest's first day), then the forecast with its
-- interval. Each series is null on the days it does not cover, so charts draw it as a gap.
with

final as (
    select
        forecast_date,
        actual_revenue,
        case when kind = 'backtest' then predicted_revenue end as backtest_revenue,
        baseline_revenue,
        case when kind = 'forecast' then predicted_revenue end as forecast_revenue,
        case when kind = 'forecast' then lower_revenue end as lower_revenue,
        case when kind = 'forecast' then upper_revenue end as upper_revenue
    from marts.mart_sales_forecast
)

select * from final
