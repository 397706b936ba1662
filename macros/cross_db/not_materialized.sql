{#- A hint that a CTE read more than once is inlined at each read rather than written out first:
    DuckDB and PostgreSQL would otherwise materialize it (at 26M events, 26M wide rows spilled).
    Spark always inlines and has no such keyword. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro spark__not_materialized() -%}
{%- endmacro %}
