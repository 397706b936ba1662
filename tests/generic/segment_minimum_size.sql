{#- Segments below their minimum size at the latest as-of date of a segment-sizes model: fewer
    members than min_size, or a smaller share than min_share. Each catalogue entry sets its own
    severity, so declare the test twice, with severity_level error and warn and the matching
    config severity; each checks only the segments of its level. A segment whose rule needs a feed
    the deployment does not expect (its catalogue entry's requires) is skipped, and the log says so. -#}
{% test segment_minimum_size(model, severity_level) %}
{%- set skipped = ["''"] -%}
{%- for segment in unified_segments.segment_catalogue() if segment.severity == severity_level -%}
    {%- set missing = [] -%}
    {%- for feed in segment.requires
        if not unified_segments.feed_is_expected(feed, 'minimum size of segment ' ~ segment.name) -%}
        {%- do missing.append(feed) -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- do skipped.append("'" ~ segment.name ~ "'") -%}
    {%- endif -%}
{%- endfor %}

select
    segment_name,
    as_of_date,
    members,
    min_size,
    member_share,
    min_share
from {{ model }}
where
    as_of_date = (select max(as_of_date) from {{ model }})
    and min_size_severity = '{{ severity_level }}'
    and segment_name not in ({{ skipped | join(', ') }})
    and (members < min_size or member_share < min_share)

{% endtest %}
