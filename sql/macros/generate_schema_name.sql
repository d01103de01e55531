{#- A model's schema is the one its folder names (staging, core, marts), on every target: the
    load writes staging.lake_*, the Great Expectations checks and the dashboards read core and
    marts by these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
{{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
