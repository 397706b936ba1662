{#- The as-of date as YYYY-MM-DD text: var unified_segments_as_of_date, a date, or `today`, the
    UTC date the run started (for scheduled daily runs). Anything else stops the build. -#}
{% macro as_of_date_text() -%}
    {{ return(adapter.dispatch('as_of_date_text', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__as_of_date_text() -%}
    {%- set as_of = unified_segments.required_var('unified_segments_as_of_date') | string | trim -%}
    {%- if as_of | lower == 'today' -%}
        {{ return(run_started_at.strftime('%Y-%m-%d')) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of) -%}
        {{ exceptions.raise_compiler_error("var unified_segments_as_of_date must be a date YYYY-MM-DD or today, got '" ~ as_of ~ "'") }}
    {%- endif -%}
    {{ return(as_of) }}
{%- endmacro %}


{#- The moment every time window ends: the end of the as-of date (as_of_date_text), so data
    through that date counts and anything later does not. Builds at the same as-of date over the
    same data are identical whatever day they run. -#}
{% macro as_of_end() -%}
    {{ return(adapter.dispatch('as_of_end', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__as_of_end() -%}
    {{ dbt.dateadd('day', 1, "cast('" ~ unified_segments.as_of_date_text() ~ "' as timestamp)") }}
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
    cast('{{ unified_segments.as_of_date_text() }}' as date)
{%- endmacro %}
