{#-
  One row per customer (customer_unique_id) and location: slowly changing dimension type 2.

  Olist gives every order its own customer_id row, holding the address the order shipped to,
  so a person's location history is in the shop already: each customer_id row is an
  observation of where the person lived at that order's purchase. A new version starts when
  the location (zip code prefix, city, state) differs from the previous observation; versions
  are [valid_from, valid_to), the current one ends at 9999-12-31 and has is_current. A fact row
  picks the version valid at its purchase time. customer_key '-1' is the unknown customer.

  Because the versions derive from staging, rebuilding a customer gives the same rows (and the
  same keys) again. Incremental: the customers this run's partitions touch are rebuilt. A full
  refresh builds every customer, so it reads staging without the touched customers' filters
  (a quarter of its time at SCALE=1; this model and then fact_sales are the core's longest path).
-#}
{{ config(
    incremental_strategy="append",
    pre_hook="{{ delete_touched('customer_unique_id', touched_customers()) }}",
    dist="customer_unique_id",
    sort=["customer_unique_id", "valid_from"],
) }}
{%- set columns = {
    "customer_key": "varchar(32)",
    "customer_unique_id": "varchar(32)",
    "zip_code_prefix": "varchar(5)",
    "city": "varchar(200)",
    "state": "char(2)",
    "location_key": "varchar(32)",
    "valid_from": "timestamptz",
    "valid_to": "timestamptz",
    "is_current": "boolean",
} -%}

with

{% if is_incremental() -%}
touched as (
    {{ touched_customers() }}
),

{% endif -%}
customers as (
    select * from {{ ref("stg_customers") }}
    {% if is_incremental() %}
    where customer_unique_id in (select customer_unique_id from touched)
    {% endif %}
),

first_purchases as (
    select
        customer_id,
        min(order_purchase_timestamp) as first_purchase_at
    from {{ ref("stg_orders") }}
    {% if is_incremental() %}
    where customer_id in (select customer_id from customers)
    {% endif %}
    group by customer_id
),

observations as (
    select
        customers.customer_unique_id,
        customers.customer_zip_code_prefix as zip_code_prefix,
        customers.customer_city as city,
        customers.customer_state as state,
        -- a customer row without an order yet was observed when it was created
        coalesce(first_purchases.first_purchase_at, customers.created_at) as observed_at,
        row_number() over (
            partition by
                customers.customer_unique_id,
                coalesce(first_purchases.first_purchase_at, customers.created_at)
            order by customers.customer_id desc
        ) as same_moment_rank
    from customers
    left join first_purchases on customers.customer_id = first_purchases.customer_id
),

compared as (
    select
        *,
        lag(zip_code_prefix || '|' || city || '|' || state) over (
            partition by customer_unique_id order by observed_at
        ) as previous_location
    from observations
    where same_moment_rank = 1
),

versions as (
    select * from compared
    where
        previous_location is null
        or previous_location != zip_code_prefix || '|' || city || '|' || state
),

final as (
    select
        {{ surrogate_key(["customer_unique_id", "observed_at"]) }} as customer_key,
        customer_unique_id,
        zip_code_prefix,
        city,
        state,
        {{ surrogate_key(["zip_code_prefix"]) }} as location_key,
        observed_at as valid_from,
        coalesce(
            lead(observed_at) over (partition by customer_unique_id order by observed_at),
            cast('9999-12-31 00:00:00+00' as timestamptz)
        ) as valid_to,
        lead(observed_at) over (
            partition by customer_unique_id order by observed_at
        ) is null as is_current
    from versions
),

-- the unknown customer: written by a first build; an incremental run never deletes it
unknown_member as (
    select
        '-1' as customer_key,
        cast(null as varchar) as customer_unique_id,
        cast(null as varchar) as zip_code_prefix,
        'Unknown' as city,
        cast(null as varchar) as state,
        '-1' as location_key,
        cast('0001-01-01 00:00:00+00' as timestamptz) as valid_from,
        cast('9999-12-31 00:00:00+00' as timestamptz) as valid_to,
        true as is_current
),

dimension_rows as (
    select * from final
    union all
    select * from unknown_member
    where {{ not is_incremental() }}
)

select {{ cast_columns(columns, "dimension_rows") }}
from dimension_rows
