{#- The run's day: the `ingest_date` variable (the DAG passes its logical date), today (UTC) when
    a developer runs dbt by hand. Every model that reads "this run's partition" reads it here. -#}
{% macro ingest_date() -%}
{%- set value = var("ingest_date", none) or run_started_at.strftime("%Y-%m-%d") -%}
{%- if not modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value | string) -%}
{{ exceptions.raise_compiler_error("var ingest_date must be a date, yyyy-mm-dd; got " ~ value) }}
{%- endif -%}
{{ value }}
{%- endmacro %}

{#- How an incremental model replaces the rows a run brings, by key: MERGE on Redshift (one scan,
    no tombstoned blocks left to vacuum), delete + insert on PostgreSQL (every supported
    version). The source rows must hold one row per key. -#}
{% macro upsert_strategy() -%}
{{ return("merge" if target.type == "redshift" else "delete+insert") }}
{%- endmacro %}

{#- `cast(<column> as <type>) as <column>` for an ordered mapping of column name -> type: the
    select list that gives a model's table exactly the types its YAML documents. -#}
{% macro cast_columns(columns, relation=none) -%}
{%- for name, type in columns.items() %}
    cast({% if relation %}{{ relation }}.{% endif %}{{ name }} as {{ type }}) as {{ name }}{% if not loop.last %},{% endif %}
{%- endfor %}
{%- endmacro %}

{#- Reclaim the rows an incremental run left dead and refresh the planner's statistics, so the
    next model reading this table plans for its real size. PostgreSQL only, outside the model's
    transaction (vacuum cannot run in one); Redshift vacuums and analyzes on its own. -#}
{% macro maintain_table() -%}
{%- if target.type == "postgres" and model.config.materialized == "incremental" -%}
vacuum (analyze) {{ this }}
{%- endif -%}
{%- endmacro %}
