{#- Casts that return null instead of failing the build, so a bad value becomes a quarantine
    reason. Integers and decimals are guarded by a pattern (portable, and stricter than a cast:
    '2.5' is not an integer, '1e3' is not a price). Timestamps and dates need the engine's own
    parser, so they are dispatched. -#}

{% macro safe_cast_integer(expr) -%}
    {{ return(adapter.dispatch('safe_cast_integer', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__safe_cast_integer(expr) -%}
    case
        when {{ unified_segments.regexp_matches('trim(' ~ expr ~ ')', '^[+-]?[0-9]{1,9}$') }}
            then cast(trim({{ expr }}) as integer)
    end
{%- endmacro %}


{% macro safe_cast_decimal(expr) -%}
    {{ return(adapter.dispatch('safe_cast_decimal', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__safe_cast_decimal(expr) -%}
    case
        when {{ unified_segments.regexp_matches('trim(' ~ expr ~ ')', '^[+-]?([0-9]{1,15}([.][0-9]*)?|[.][0-9]+)$') }}
            then cast(trim({{ expr }}) as decimal(18, 2))
    end
{%- endmacro %}


{#- Parses ISO-8601 text with or without a UTC offset; returns a UTC timestamp without time zone.
    Text without an offset is read as UTC (the profiles pin the session time zone to UTC). Only
    text that starts like a date is parsed: engines also read words ('yesterday', 'epoch',
    'infinity' on PostgreSQL, 'infinity' on DuckDB), which would make a result depend on the day
    of the build or differ between engines. -#}
{% macro safe_cast_timestamp_utc(expr) -%}
    case
        when {{ unified_segments.regexp_matches('trim(' ~ expr ~ ')', '^[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then {{ adapter.dispatch('safe_cast_timestamp_utc', 'unified_segments')(expr) }}
    end
{%- endmacro %}

{% macro default__safe_cast_timestamp_utc(expr) -%}
    {{ exceptions.raise_compiler_error("safe_cast_timestamp_utc has no implementation for adapter '" ~ target.type ~ "' (macros/cross_db/safe_cast.sql)") }}
{%- endmacro %}

{#- A cast straight to timestamp would drop the offset; going through timestamptz honours it. -#}
{% macro duckdb__safe_cast_timestamp_utc(expr) -%}
    timezone('UTC', try_cast(trim({{ expr }}) as timestamptz))
{%- endmacro %}

{#- PostgreSQL has no try_cast: a helper function (created by create_safe_cast_functions in
    on-run-start) catches the parse error and returns null. -#}
{% macro postgres__safe_cast_timestamp_utc(expr) -%}
    ({{ target.schema }}.us_try_timestamptz({{ expr }}) at time zone 'UTC')
{%- endmacro %}

{% macro spark__safe_cast_timestamp_utc(expr) -%}
    try_cast(trim({{ expr }}) as timestamp)
{%- endmacro %}


{#- Only ISO dates are read: YYYY-MM-DD, or its basic form YYYYMMDD (what many exports write);
    03/04/1980 means different days in different countries, so it is no date. -#}
{% macro safe_cast_date(expr) -%}
    {%- set iso -%}
        case
            when {{ unified_segments.regexp_matches('trim(' ~ expr ~ ')', '^[0-9]{8}$') }}
                then substr(trim({{ expr }}), 1, 4) || '-' || substr(trim({{ expr }}), 5, 2) || '-' || substr(trim({{ expr }}), 7, 2)
            else trim({{ expr }})
        end
    {%- endset -%}
    case
        when {{ unified_segments.regexp_matches(iso, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then {{ adapter.dispatch('safe_cast_date', 'unified_segments')(iso) }}
    end
{%- endmacro %}

{#- iso_expr is text of the form YYYY-MM-DD; null when it is no calendar day (2026-02-30). -#}
{% macro default__safe_cast_date(iso_expr) -%}
    try_cast({{ iso_expr }} as date)
{%- endmacro %}

{% macro postgres__safe_cast_date(iso_expr) -%}
    cast({{ target.schema }}.us_try_timestamptz({{ iso_expr }}) at time zone 'UTC' as date)
{%- endmacro %}


{#- Run from on-run-start. Creates the helper functions the PostgreSQL casts call, and the
    fuzzystrmatch extension whose levenshtein() probabilistic matching calls (edit_distance);
    other engines have both built in. -#}
{% macro create_safe_cast_functions() -%}
    {{ return(adapter.dispatch('create_safe_cast_functions', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__create_safe_cast_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_safe_cast_functions() -%}
    create schema if not exists {{ target.schema }};
    create extension if not exists fuzzystrmatch;
    create or replace function {{ target.schema }}.us_try_timestamptz(value text)
    returns timestamptz
    language plpgsql immutable
    set timezone = 'UTC'
    as $$
    begin
        return nullif(trim(value), '')::timestamptz;
    exception when others then
        return null;
    end;
    $$
{%- endmacro %}
