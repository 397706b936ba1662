{#- Every staged row that carries identifiers (events, transactions, contacts) and its person,
    through its identifier set (int_identifier_sets_resolved): the person of the set's
    highest-priority unblocked identifier, or a person of its own when all are blocked. A view:
    the models that need a row's person join its set themselves (identifier_set_matches), so the
    rows are never written out again; this lists them for analysts and tests. -#}
{{ config(materialized='view') }}
{%- set sources = required_var('unified_segments_identifier_sources') %}

with

sets as (

    select * from {{ ref('int_identifier_sets_resolved') }}

),

final as (

    {% for source in sources -%}
        select
            '{{ source.model }}' as source_model,
            cast(source_rows.{{ source.row_key }} as {{ dbt.type_string() }}) as source_row_key,
            {{ row_person_id(source.model, 'source_rows', 'sets') }} as person_id,
            case
                when sets.person_id is null then 'all identifiers blocked' else sets.identifier_key
            end as resolved_by
        from {{ ref(source.model) }} as source_rows
        inner join sets on {{ identifier_set_matches(source.model, 'source_rows', 'sets') }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

)

select * from final
