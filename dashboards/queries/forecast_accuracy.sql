-- The sales forecast's backtest in one row (mart_sales_forecast_backtest): its error (WAPE) and
-- the seasonal-naive baseline's on the same days.
with

final as (
    select
        first_date,
        last_date,
        wape,
        baseline_wape,
        bias
    from marts.mart_sales_forecast_backtest
)

select * from final
