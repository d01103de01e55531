{#- The run's day: the `ingest_date` variable (`--vars`, by hand), else the DBT_INGEST_DATE
    environment variable (the DAG passes its partition date there), else today (UTC). Every
    model that reads "this run's partition" reads it here. The environment is read only when the
    SQL runs, never while dbt parses: a variable or an environment value seen by the parse is part
    of its saved state, so a new day would make dbt parse the project again (partial parsing). -#}
{% macro ingest_date() -%}
{%- set value = var("ingest_date", none) -%}
{%- if not value and execute -%}
{%- set value = env_var("DBT_INGEST_DATE", "") -%}
{%- endif -%}
{%- set value = value or run_started_at.strftime("%Y-%m-%d") -%}
{%- if not modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value | string) -%}
{{ exceptions.raise_compiler_error("ingest_date must be a date, yyyy-mm-dd; got " ~ value) }}
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
