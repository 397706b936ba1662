{#- A SQL string literal holding value exactly. Quotes are doubled; Spark's literals treat a
    backslash as an escape (and join adjacent literals), so there backslashes and quotes are
    escaped with a backslash. -#}
{% macro string_literal(value) -%}
    {{ return(adapter.dispatch('string_literal', 'unified_segments')(value)) }}
{%- endmacro %}

{% macro default__string_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
