{#- Every resolved person once: the people of resolved identifiers, and the people of their own
    made for rows whose identifiers are all blocked. The profile has exactly these rows. -#}

with

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}

),

source_rows as (

    select * from {{ ref('int_source_rows_resolved') }}

),

final as (

    select person_id from identifiers
    where person_id is not null
    union
    select person_id from source_rows
    where resolved_by = 'all identifiers blocked'

)

select * from final
