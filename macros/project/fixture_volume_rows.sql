{#- Generic-test fixture helper: expands one scenario of fx_daily_counts into one row per event
    at noon of its day (days_back days before the as-of date). -#}
{% macro fixture_volume_rows(scenario) -%}

with

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

sequence as (

    select hundreds.d * 100 + tens.d * 10 + ones.d as position
    from digits as hundreds
    cross join digits as tens
    cross join digits as ones

),

counts as (

    select * from {{ ref('fx_daily_counts') }}
    where scenario = '{{ scenario }}'

)

select
    counts.days_back,
    sequence.position,
    {{ dbt.dateadd('hour', '12 - 24 * counts.days_back', 'cast(' ~ unified_segments.as_of_date() ~ ' as timestamp)') }} as occurred_at
from counts
inner join sequence on sequence.position < counts.row_count

{%- endmacro %}
