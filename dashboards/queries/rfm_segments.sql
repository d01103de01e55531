-- Customers per RFM segment and (R, FM) cell of mart_rfm, with the sums that give each segment's
-- averages: days since the last purchase, orders and spend per customer.
with

final as (
    select
        segment,
        r_score,
        fm_score,
        count(*) as customers,
        sum(recency_days) as recency_days,
        sum(frequency) as orders,
        sum(monetary) as monetary,
        max(as_of_date) as as_of_date
    from marts.mart_rfm
    group by segment, r_score, fm_score
)

select * from final
