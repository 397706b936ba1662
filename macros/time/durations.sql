{#- Whole days between two dates or timestamps (their dates), end minus start: 0 on the same day.
    dbt.datediff would do, but expands to long expressions; these stay short in compiled SQL. -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between', 'unified_segments')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__days_between(start_expr, end_expr) -%}
    (cast({{ end_expr }} as date) - cast({{ start_expr }} as date))
{%- endmacro %}

{% macro duckdb__days_between(start_expr, end_expr) -%}
    date_diff('day', cast({{ start_expr }} as date), cast({{ end_expr }} as date))
{%- endmacro %}

{% macro spark__days_between(start_expr, end_expr) -%}
    datediff({{ end_expr }}, {{ start_expr }})
{%- endmacro %}


{#- Whole seconds elapsed from one timestamp to another (end minus start, truncated), the same
    on every engine. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'unified_segments')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    cast(floor(extract(epoch from ({{ end_expr }} - {{ start_expr }}))) as bigint)
{%- endmacro %}

{#- date_diff('second') counts second boundaries crossed, not time elapsed: use milliseconds. -#}
{% macro duckdb__seconds_between(start_expr, end_expr) -%}
    cast(floor((epoch_ms({{ end_expr }}) - epoch_ms({{ start_expr }})) / 1000) as bigint)
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    cast(floor((unix_millis({{ end_expr }}) - unix_millis({{ start_expr }})) / 1000) as bigint)
{%- endmacro %}


{#- Whole calendar months from the month of start_expr to the month of end_expr. -#}
{% macro months_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('months_between', 'unified_segments')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__months_between(start_expr, end_expr) -%}
    (
        (extract(year from {{ end_expr }}) - extract(year from {{ start_expr }})) * 12
        + extract(month from {{ end_expr }}) - extract(month from {{ start_expr }})
    )
{%- endmacro %}
