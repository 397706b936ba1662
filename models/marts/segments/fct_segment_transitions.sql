{#- Moves between primary segments: one row per person whose primary segment at an as-of date
    differs from the one at the previous as-of date built. -#}
{{ config(materialized='view') }}

with

snapshots as (

    select * from {{ ref('fct_primary_segment_snapshots') }}

),

sequenced as (

    select
        person_id,
        as_of_date,
        primary_segment,
        lag(primary_segment) over (partition by person_id order by as_of_date) as previous_primary_segment,
        lag(as_of_date) over (partition by person_id order by as_of_date) as previous_as_of_date
    from snapshots

),

final as (

    select
        person_id,
        previous_as_of_date as from_as_of_date,
        as_of_date as to_as_of_date,
        previous_primary_segment as from_segment,
        primary_segment as to_segment
    from sequenced
    where previous_primary_segment is not null and previous_primary_segment != primary_segment

)

select * from final
