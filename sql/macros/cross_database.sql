{#- The few expressions that Redshift and PostgreSQL write differently. -#}

{#- The calendar date of a timestamp in Brazil's commercial time zone (where Olist sells). -#}
{% macro local_date(timestamp) -%}
{%- if target.type == "redshift" -%}
cast(convert_timezone('America/Sao_Paulo', {{ timestamp }}) as date)
{%- else -%}
cast(({{ timestamp }}) at time zone 'America/Sao_Paulo' as date)
{%- endif -%}
{%- endmacro %}

{#- One text value of a JSON object held in a varchar column. -#}
{% macro json_text(column, key) -%}
{%- if target.type == "redshift" -%}
json_extract_path_text({{ column }}, '{{ key }}')
{%- else -%}
({{ column }}::json ->> '{{ key }}')
{%- endif -%}
{%- endmacro %}

{#- The date `days` days after a date (before it, for a negative number), as a date. PostgreSQL
    adds an integer to a date; Redshift documents dateadd, which returns a timestamp. -#}
{% macro add_days(date_expression, days) -%}
{%- if target.type == "redshift" -%}
cast(dateadd(day, {{ days }}, {{ date_expression }}) as date)
{%- else -%}
(cast({{ date_expression }} as date) + {{ days }})
{%- endif -%}
{%- endmacro %}

{#- A deterministic surrogate key: the md5 of the natural key's parts, so a rebuild or a rerun
    gives every row the key it had before. -#}
{% macro surrogate_key(columns) -%}
md5({% for column in columns %}coalesce(cast({{ column }} as varchar), '~'){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}

{#- The integer key (yyyymmdd) of a date in dim_time; -1, the unknown day, for null. -#}
{% macro date_key(date_expression) -%}
coalesce(cast(to_char({{ date_expression }}, 'YYYYMMDD') as integer), -1)
{%- endmacro %}
