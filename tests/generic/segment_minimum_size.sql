{#- Segments below their minimum size at the latest as-of date of a segment-sizes model: fewer
    members than min_size, or a smaller share than min_share. Each catalogue entry sets its own
    severity, so declare the test twice, with severity_level error and warn and the matching
    config severity; each checks only the segments of its level. A segment whose rule needs a feed
    the deployment does not expect (its catalogue entry's requires) is skipped, and the log says so. -#}
{% test segment_minimum_size(model, severity_level) %}
{%- set segments = unified_segments.segment_catalogue() | selectattr('severity', 'equalto', severity_level) | list -%}
{#- Each feed is checked once (one query, one log line), however many segments require it. -#}
{%- set unexpected = [] -%}
{%- for feed in segments | map(attribute='requires') | sum(start=[]) | unique
    if not unified_segments.feed_is_expected(feed, 'minimum size of the ' ~ severity_level ~ ' segments that require it') -%}
    {%- do unexpected.append(feed) -%}
{%- endfor -%}
{%- set skipped = ["''"] -%}
{%- for segment in segments if segment.requires | select('in', unexpected) | list -%}
    {%- do skipped.append("'" ~ segment.name ~ "'") -%}
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
