-- Deliveries per purchase month and customer state, from mart_delivery_performance: one
-- shipment is one seller's part of an order. The sums, not the mart's averages, so any
-- selection of months and states gives exact rates (late shipments over delivered ones).
with

shipments as (
    select
        cast(year_month || '-01' as date) as purchase_month,
        customer_state,
        customer_region,
        orders,
        delivered_orders,
        late_orders,
        delivery_days_sum,
        late_delay_days_sum,
        on_time_review_sum,
        on_time_review_count,
        late_review_sum,
        late_review_count
    from marts.mart_delivery_performance
),

final as (
    select
        purchase_month,
        customer_state,
        customer_region,
        sum(orders) as shipments,
        sum(delivered_orders) as delivered_shipments,
        sum(delivered_orders - late_orders) as on_time_shipments,
        sum(late_orders) as late_shipments,
        sum(delivery_days_sum) as delivery_days_sum,
        sum(late_delay_days_sum) as late_delay_days_sum,
        sum(on_time_review_sum) as on_time_review_sum,
        sum(on_time_review_count) as on_time_review_count,
        sum(late_review_sum) as late_review_sum,
        sum(late_review_count) as late_review_count,
        sum(on_time_review_sum + late_review_sum) as review_sum,
        sum(on_time_review_count + late_review_count) as review_count
    from shipments
    group by purchase_month, customer_state, customer_region
)

select * from final
