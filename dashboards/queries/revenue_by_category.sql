-- Revenue per purchase month, customer state and product category, from mart_revenue_daily.
-- Categories read as words ("bed_bath_table" -> "Bed Bath Table"), in both renderers.
-- Revenue and items add up across every column; category_orders counts an order once in each
-- of its categories, so it adds up only within one category.
with

daily as (
    select
        cast(date_trunc('month', purchase_date) as date) as purchase_month,
        customer_state,
        customer_region,
        initcap(replace(coalesce(product_category, 'uncategorized'), '_', ' '))
            as product_category,
        gmv,
        items,
        orders
    from marts.mart_revenue_daily
),

final as (
    select
        purchase_month,
        customer_state,
        customer_region,
        product_category,
        sum(gmv) as revenue,
        sum(items) as items,
        sum(orders) as category_orders
    from daily
    group by purchase_month, customer_state, customer_region, product_category
)

select * from final
