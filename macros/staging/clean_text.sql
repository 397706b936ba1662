{#- Trims and turns blank strings into null, so '' and '  ' never count as a value. -#}
{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
