{#- The conventions the marts share: the day they measure from, which orders count as sales, and
    one row per counted order of a known customer. -#}

{#-
  The day the marts measure from: the run's ingest date, or the day after the latest purchase
  when the data ends earlier (the Olist history ends in 2018; measured from today every
  customer would look lost). `fact_sales` is the fact's relation (the model's ref("fact_sales"),
  so dbt knows the model reads it). The marts task computes the same day to tell whether a quiet
  day's marts are current (orchestration/tasks.py, marts_as_of_date; a test keeps them equal).
-#}
{% macro as_of_date(fact_sales) -%}
(
    select
        least(
            cast('{{ ingest_date() }}' as date),
            {{ add_days(local_date("max(purchased_at)"), 1) }}
        )
    from {{ fact_sales }}
)
{%- endmacro %}

{#-
  Whether an order counts as a sale, from its status: every order unless it is 'canceled' or
  'unavailable' (those sold nothing). The one definition the marts use.
-#}
{% macro is_counted_order(order_status) -%}
{{ order_status }} not in ('canceled', 'unavailable')
{%- endmacro %}

{#-
  One row per counted order of a known customer (fact_sales has one per item):
  customer_unique_id, order_id, purchase_date (São Paulo day) and order_value (its payments).
  `fact_sales` and `dim_customer` are the model's refs of those tables.
-#}
{% macro counted_orders(fact_sales, dim_customer) -%}
select
        dim_customer.customer_unique_id,
        fact_sales.order_id,
        min({{ local_date("fact_sales.purchased_at") }}) as purchase_date,
        coalesce(sum(fact_sales.payment_share), 0) as order_value
    from {{ fact_sales }} as fact_sales
    inner join {{ dim_customer }} as dim_customer
        on fact_sales.customer_key = dim_customer.customer_key
    where
        {{ is_counted_order("fact_sales.order_status") }}
        and dim_customer.customer_unique_id is not null
    group by dim_customer.customer_unique_id, fact_sales.order_id
{%- endmacro %}

{#-
  Generic test: the rows of `model` that share their values of `columns` (a list of column
  names) with another row, one row per duplicated combination. Nulls compare equal here (a
  grain with an unknown state is still one row), unlike in a unique constraint.
-#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(", ") }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1
{% endtest %}
