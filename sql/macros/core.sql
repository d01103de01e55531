{#-
  The keys a run rebuilds in the core models that are rebuilt by key (the fact, the customer
  history): their pre-hook deletes the keys' rows, then the model's select inserts the keys'
  rows built again from staging, in the same transaction (strategy "append"). A key that no
  longer has a row in staging (a delete in the shop) thus leaves the warehouse too, which an
  upsert of the new rows alone would miss.
-#}

{#- The orders this run's partitions touch: an order, any of its items, payments, reviews or
    delivery dates, a delete of any of those, or a customer whose history changed (a rebuilt
    history may key the customer's orders to other versions). -#}
{% macro touched_orders() -%}
{%- set order_tables = ["orders", "order_items", "payments", "reviews", "deliveries"] -%}
{% for table in order_tables -%}
select order_id from {{ source("lake", table) }}
where _ingest_date = '{{ ingest_date() }}'
union
{% endfor -%}
select {{ json_text("natural_key", "order_id") }}
from {{ source("lake", "deleted_rows") }}
where
    _ingest_date = '{{ ingest_date() }}'
    and table_name in ('{{ order_tables | join("', '") }}')
union
select orders.order_id
from {{ ref("stg_orders") }} as orders
inner join {{ ref("stg_customers") }} as customers
    on orders.customer_id = customers.customer_id
where customers.customer_unique_id in (
    select customer_unique_id from {{ source("lake", "customers") }}
    where _ingest_date = '{{ ingest_date() }}'
)
{%- endmacro %}

{#- The people (customer_unique_id) whose history this run's partitions touch: a customer row
    of theirs, or an order of theirs (an order's purchase time dates an observation). -#}
{% macro touched_customers() -%}
select customer_unique_id
from {{ source("lake", "customers") }}
where _ingest_date = '{{ ingest_date() }}'
union
select customers.customer_unique_id
from {{ source("lake", "orders") }} as orders
inner join {{ ref("stg_customers") }} as customers on orders.customer_id = customers.customer_id
where orders._ingest_date = '{{ ingest_date() }}'
{%- endmacro %}

{#- The pre-hook of a model rebuilt by key: delete the rows of the keys `touched` (a select of
    one column) holds. Nothing to delete when the table is built from scratch. -#}
{% macro delete_touched(key, touched) -%}
{%- if is_incremental() -%}
delete from {{ this }} where {{ key }} in ({{ touched }})
{%- endif -%}
{%- endmacro %}
