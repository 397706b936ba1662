{#- Every staged row that carries identifiers (events, transactions, contacts) and its person:
    the person of the highest-priority unblocked identifier of the row's identifier set (macro
    identifier_set_key), decided once per set. A row whose identifiers are all blocked (a guest
    who typed test@test.com) becomes a person of its own, never a shared junk profile. -#}
{%- set sources = required_var('unified_segments_identifier_sources') %}

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

sets_resolved as (

    select
        source_model,
        identifier_set_key,
        person_id,
        identifier_key
    from ranked
    where identifier_rank = 1

),

source_rows as (

    {% for source in sources -%}
        select
            '{{ source.model }}' as source_model,
            cast({{ source.row_key }} as {{ dbt.type_string() }}) as source_row_key,
            {{ identifier_set_key(source) }} as identifier_set_key
        from {{ ref(source.model) }}
        where {{ has_identifier(source) }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select
        source_rows.source_model,
        source_rows.source_row_key,
        coalesce(
            sets_resolved.person_id,
            'p_' || {{ dbt.hash("'row:' || source_rows.source_model || ':' || source_rows.source_row_key") }}
        ) as person_id,
        case
            when sets_resolved.person_id is null then 'all identifiers blocked' else sets_resolved.identifier_key
        end as resolved_by
    from source_rows
    inner join sets_resolved
        on
            source_rows.source_model = sets_resolved.source_model
            and source_rows.identifier_set_key = sets_resolved.identifier_set_key

)

select * from final
