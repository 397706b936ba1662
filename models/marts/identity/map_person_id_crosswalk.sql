{#- Old person id -> new person id, for every change identity resolution made between builds
    (from int_identifier_person_history). When two people merge, the absorbed person's id maps to
    the surviving one; consumers holding old ids (exports, BI extracts) follow it. -#}

with

history as (

    select * from {{ ref('int_identifier_person_history') }}

),

final as (

    select
        previous_person_id as old_person_id,
        person_id as new_person_id,
        min(as_of_date) as changed_as_of_date,
        min(recorded_at) as changed_at,
        count(*) as identifiers_moved
    from history
    where previous_person_id is not null
    group by previous_person_id, person_id

)

select * from final
