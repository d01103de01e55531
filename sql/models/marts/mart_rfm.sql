{#-
  One row per customer (customer_unique_id) with at least one counted order before the as-of
  date: recency, frequency and monetary value, their 1-5 scores and an RFM segment.

  Orders count when their status is not 'canceled' or 'unavailable' (the marts' revenue
  convention: those orders never brought money in); their value is the payments they collected
  (the sum of the items' payment_share, R$). The as-of date is `as_of_date`: the run's day, or
  the day after the latest purchase when the data ends earlier. Only orders bought before it
  count (a backfill of a past day leaves out later purchases). Purchase days are São Paulo
  calendar days.

  Scores (5 is best):
  - recency: quintiles (ntile(5)) of the last purchase date, the most recent fifth scoring 5;
  - monetary: quintiles of the total paid, the highest fifth scoring 5;
  - frequency: fixed thresholds of distinct orders, 1 order -> 1, 2 -> 3, 3 -> 4, 4 or more -> 5.
    About 97% of Olist customers buy once, so frequency quintiles would split identical
    one-order customers across scores 1-4 by an arbitrary tie-break. Score 2 is skipped on
    purpose: a second order is the strongest signal in this data (the step from one-time buyer
    to repeat buyer), so it moves a customer two steps, which lets a two-order top spender reach
    the FM 4 of the top segments.
  Ties in recency and monetary are broken by customer_unique_id, so reruns give every customer
  the same scores (customers who bought on a quintile's boundary day may land in neighbouring
  scores).

  Segments: the ten of the common RFM map on R and FM = (f_score + m_score) / 2 rounded down,
  with its oldest and lowest cell (R 1, FM 1) as Lost, and the map's "About to Sleep" cell
  (R 3, FM 1: one small, middling-old order) folded into Hibernating, so the business sees the
  ten segments it names. A one-order
  customer's FM is at most 3, so the top cells need a repeat purchase. Every one of the 25
  (R, FM) cells has exactly one segment (a gap would leave a null segment, which the column's
  not_null constraint refuses: the build fails):

      FM \ R |  1            2            3               4                   5
      -------+-------------------------------------------------------------------------------
        5    |  Can't Lose   At Risk      Loyal           Champions           Champions
        4    |  Can't Lose   At Risk      Loyal           Champions           Champions
        3    |  At Risk      At Risk      Need Attention  Potential Loyalist  Potential Loyalist
        2    |  Hibernating  Hibernating  Need Attention  Potential Loyalist  Potential Loyalist
        1    |  Lost         Hibernating  Hibernating     Promising           New

  Rebuilt in full each run: the same day's data gives the same rows.
-#}
{{ config(sort=["customer_unique_id"]) }}
{%- set columns = {
    "as_of_date": "date",
    "customer_unique_id": "varchar(32)",
    "last_purchase_date": "date",
    "recency_days": "integer",
    "frequency": "integer",
    "monetary": "numeric(14,2)",
    "r_score": "smallint",
    "f_score": "smallint",
    "m_score": "smallint",
    "fm_score": "smallint",
    "rfm_score": "char(3)",
    "segment": "varchar(20)",
} -%}

with

as_of as (
    select {{ as_of_date(ref("fact_sales")) }} as as_of_date
),

orders as (
    {{ counted_orders(ref("fact_sales"), ref("dim_customer")) }}
),

customers as (
    select
        orders.customer_unique_id,
        max(orders.purchase_date) as last_purchase_date,
        count(*) as frequency,
        sum(orders.order_value) as monetary
    from orders
    cross join as_of
    where orders.purchase_date < as_of.as_of_date
    group by orders.customer_unique_id
),

scored as (
    select
        as_of.as_of_date,
        customers.customer_unique_id,
        customers.last_purchase_date,
        as_of.as_of_date - customers.last_purchase_date as recency_days,
        customers.frequency,
        customers.monetary,
        cast(ntile(5) over (
            order by customers.last_purchase_date, customers.customer_unique_id
        ) as smallint) as r_score,
        cast(case
            when customers.frequency >= 4 then 5
            when customers.frequency = 3 then 4
            when customers.frequency = 2 then 3
            else 1
        end as smallint) as f_score,
        cast(ntile(5) over (
            order by customers.monetary, customers.customer_unique_id
        ) as smallint) as m_score
    from customers
    cross join as_of
),

fm_scored as (
    select
        *,
        -- integer division: an average of .5 rounds down
        cast((f_score + m_score) / 2 as smallint) as fm_score
    from scored
),

final as (
    select
        as_of_date,
        customer_unique_id,
        last_purchase_date,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        fm_score,
        cast(r_score as varchar(1))
        || cast(f_score as varchar(1))
        || cast(m_score as varchar(1)) as rfm_score,
        -- the map in the header, one cell range per line; no else, so a gap is a null segment
        -- (which the column's not_null constraint refuses)
        case
            when r_score in (4, 5) and fm_score in (4, 5) then 'Champions'
            when r_score = 3 and fm_score in (4, 5) then 'Loyal'
            when r_score in (4, 5) and fm_score in (2, 3) then 'Potential Loyalist'
            when r_score = 5 and fm_score = 1 then 'New'
            when r_score = 4 and fm_score = 1 then 'Promising'
            when r_score = 3 and fm_score in (2, 3) then 'Need Attention'
            when r_score = 1 and fm_score in (4, 5) then 'Can''t Lose'
            when
                (r_score = 2 and fm_score in (3, 4, 5)) or (r_score = 1 and fm_score = 3)
                then 'At Risk'
            when
                (r_score in (2, 3) and fm_score = 1)
                or (r_score in (1, 2) and fm_score = 2)
                then 'Hibernating'
            when r_score = 1 and fm_score = 1 then 'Lost'
        end as segment
    from fm_scored
)

select {{ cast_columns(columns, "final") }}
from final
