{#-
  A staging model holds a shop table's current state, one row per natural key, merged from each
  run's partition of its lake table (source "lake"):
  1. rows of the run's partition at least as new as the warehouse's replace them (so an older
     partition loaded again, in a backfill, never overwrites a newer row): `partition_rows`,
     the model's select, upserted by the incremental strategy on `keys`;
  2. rows the shop deleted (tombstones in deleted_rows) at or after their last update go:
     `delete_tombstones`, the model's post-hook, in the same transaction.
  Running it twice for the same partition leaves the table as one run does.
-#}
{% macro partition_rows(shop_table, keys, columns) -%}
select {{ cast_columns(columns, "partition_rows") }}
from {{ source("lake", shop_table) }} as partition_rows
{%- if is_incremental() %}
left join {{ this }} as current_rows
    on {% for key in keys %}partition_rows.{{ key }} = current_rows.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endif %}
where
    partition_rows._ingest_date = '{{ ingest_date() }}'
{%- if is_incremental() %}
    and (current_rows.{{ keys[0] }} is null or partition_rows.updated_at >= current_rows.updated_at)
{%- endif %}
{%- endmacro %}

{#- The post-hook of a staging model: delete the rows whose tombstone (in the run's partition of
    deleted_rows) is at least as new as the row. `keys` maps each key column to its type. -#}
{% macro delete_tombstones(shop_table, keys) -%}
delete from {{ this }}
using (
    select
        {% for key, type in keys.items() %}cast({{ json_text("natural_key", key) }} as {{ type }}) as {{ key }},
        {% endfor %}deleted_at
    from {{ source("lake", "deleted_rows") }}
    where _ingest_date = '{{ ingest_date() }}' and table_name = '{{ shop_table }}'
) as tombstones
where
    {% for key in keys %}{{ this }}.{{ key }} = tombstones.{{ key }}
    and {% endfor %}{{ this }}.updated_at <= tombstones.deleted_at
{%- endmacro %}
