{#- The moment every time window ends: the end of the as-of date (var unified_segments_as_of_date,
    YYYY-MM-DD), so data through that date counts and anything later does not. Builds at the same
    as-of date over the same data are identical whatever day they run. -#}
{% macro as_of_end() -%}
    {{ return(adapter.dispatch('as_of_end', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__as_of_end() -%}
    {%- set as_of = unified_segments.required_var('unified_segments_as_of_date') | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of) -%}
        {{ exceptions.raise_compiler_error("var unified_segments_as_of_date must be a date YYYY-MM-DD, got '" ~ as_of ~ "'") }}
    {%- endif -%}
    {{ dbt.dateadd('day', 1, "cast('" ~ as_of ~ "' as timestamp)") }}
{%- endmacro %}


{#- The start of the window of `days` days that ends at as_of_end(). -#}
{% macro as_of_window_start(days) -%}
    {{ return(adapter.dispatch('as_of_window_start', 'unified_segments')(days)) }}
{%- endmacro %}

{% macro default__as_of_window_start(days) -%}
    {{ dbt.dateadd('day', -1 * (days | int), unified_segments.as_of_end()) }}
{%- endmacro %}


{#- The as-of date itself, as a SQL date. -#}
{% macro as_of_date() -%}
    {{ return(adapter.dispatch('as_of_date', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__as_of_date() -%}
    cast('{{ unified_segments.required_var("unified_segments_as_of_date") }}' as date)
{%- endmacro %}
