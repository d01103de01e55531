-- The ranked sellers of mart_seller_scorecard (those with enough delivered orders to rank), one
-- row each; `sellers` is 1 so that cards can count them by summing.
with

final as (
    select
        seller_rank,
        seller_id,
        seller_city,
        seller_state,
        revenue,
        orders,
        delivered_orders,
        on_time_orders,
        on_time_rate,
        average_review_score,
        cancellation_rate,
        composite_score,
        1 as sellers
    from marts.mart_seller_scorecard
    where seller_rank is not null
)

select * from final
