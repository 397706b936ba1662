{#- Every staged row that carries identifiers (events, transactions, contacts) and its person:
    the person of the row's highest-priority unblocked identifier. A row whose identifiers are
    all blocked (a guest who typed test@test.com) becomes a person of its own, never a shared
    junk profile. -#}

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
        observations.source_row_key,
        identifiers.person_id,
        observations.identifier_key,
        row_number() over (
            partition by observations.source_model, observations.source_row_key
            order by identifiers.person_id is null, profiled.type_priority, observations.identifier_key
        ) as identifier_rank
    from observations
    inner join identifiers on observations.identifier_key = identifiers.identifier_key
    inner join profiled on observations.identifier_key = profiled.identifier_key

),

final as (

    select
        source_model,
        source_row_key,
        coalesce(
            person_id,
            'p_' || {{ dbt.hash("'row:' || source_model || ':' || source_row_key") }}
        ) as person_id,
        case when person_id is null then 'all identifiers blocked' else identifier_key end as resolved_by
    from ranked
    where identifier_rank = 1

)

select * from final
