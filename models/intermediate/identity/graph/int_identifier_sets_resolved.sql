{#- Every identifier set of every source (macro identifier_set_key) and its person: the person of
    its highest-priority unblocked identifier, decided once per set. Null when all its identifiers
    are blocked: each row of such a set becomes a person of its own (macro row_person_id). Rows
    find their set with macro identifier_set_matches; int_source_rows_resolved lists them. -#}

with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}

),

profiled as (

    select * from {{ ref('int_identifiers_profiled') }}

),

ranked as (

    select
        observations.source_model,
        observations.identifier_set_key,
        identifiers.person_id,
        observations.identifier_key,
        row_number() over (
            partition by observations.source_model, observations.identifier_set_key
            order by identifiers.person_id is null, profiled.type_priority, observations.identifier_key
        ) as identifier_rank
    from observations
    inner join identifiers on observations.identifier_key = identifiers.identifier_key
    inner join profiled on observations.identifier_key = profiled.identifier_key

),

final as (

    select
        source_model,
        identifier_set_key,
        person_id,
        identifier_key
    from ranked
    where identifier_rank = 1

)

select * from final
