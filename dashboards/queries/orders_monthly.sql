-- Orders per purchase month and customer state, from mart_orders_monthly: each order once, so
-- orders, revenue, items and new customers add up across months and states.
select
    purchase_month,
    customer_state,
    customer_region,
    orders,
    revenue,
    items,
    new_customers,
    returning_orders
from marts.mart_orders_monthly
