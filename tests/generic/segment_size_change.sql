{#- Segments whose size moved by more than their max_size_change share (catalogue) between the
    previous as-of date of a segment-sizes model and the latest: an audience that suddenly
    shrinks or grows, caught before it syncs. A segment that had no members before is not judged.
    Each catalogue entry sets its size_change_severity, so declare the test twice, with
    severity_level error and warn and the matching config severity. -#}
{% test segment_size_change(model, severity_level) %}

with

latest as (

    select * from {{ model }}
    where as_of_date = (select max(as_of_date) from {{ model }})

),

previous as (

    select * from {{ model }}
    where as_of_date = (
        select max(as_of_date) from {{ model }}
        where as_of_date < (select max(as_of_date) from {{ model }})
    )

)

select
    latest.segment_name,
    previous.as_of_date as previous_as_of_date,
    previous.members as previous_members,
    latest.as_of_date,
    latest.members,
    latest.max_size_change
from latest
inner join previous on latest.segment_name = previous.segment_name
where
    latest.size_change_severity = '{{ severity_level }}'
    and previous.members > 0
    and abs(latest.members - previous.members) > latest.max_size_change * previous.members

{% endtest %}
