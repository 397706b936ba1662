{#- The model holds rows at least as recent as max_age_days before the end of the as-of date
    (var unified_segments_as_of_date): a model that stopped receiving data fails even when its
    source freshness passes. Relative to the as-of date, so a rebuild of an old date still passes.
    Fails with one row: the newest value, the limit, the row count and the problem in words. With
    feed, it checks nothing when the deployment does not expect that feed (see feed_is_expected). -#}
{% test recency(model, field, max_age_days, row_condition=none, feed=none) %}
{%- if feed is not none and not unified_segments.feed_is_expected(feed, 'recency of ' ~ model) %}
select 1 as skipped where 1 = 0
{%- else %}

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
    row_count,
    case
        when newest_value is null
            then '{{ model }} has no rows up to the as-of date{{ " (feed " ~ feed ~ " is expected)" if feed }}'
        else '{{ model }} has no rows in the {{ max_age_days }} day(s) before the as-of date'
    end as problem
from newest
where newest_value is null or newest_value < {{ unified_segments.as_of_window_start(max_age_days) }}
{%- endif %}

{% endtest %}
