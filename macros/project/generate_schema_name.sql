{#- Custom schemas are used as named (staging, quarantine, ...) rather than prefixed with the
    target schema, so BI tools and exports see stable schema names on every engine. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
