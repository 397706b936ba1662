{#- The model holds rows at least as recent as max_age_days before the end of the as-of date
    (var unified_segments_as_of_date): a model that stopped receiving data fails even when its
    source freshness passes. Relative to the as-of date, so a rebuild of an old date still passes.
    Fails with one row: the newest value, the limit and the row count (null newest: no rows). -#}
{% test recency(model, field, max_age_days, row_condition=none) %}

with

newest as (

    select
        max({{ field }}) as newest_value,
        count(*) as row_count
    from {{ model }}
    where
        {{ field }} < {{ unified_segments.as_of_end() }}
        {%- if row_condition %}
        and ({{ row_condition }})
        {%- endif %}

)

select
    newest_value,
    {{ unified_segments.as_of_window_start(max_age_days) }} as oldest_allowed,
    row_count
from newest
where newest_value is null or newest_value < {{ unified_segments.as_of_window_start(max_age_days) }}

{% endtest %}
