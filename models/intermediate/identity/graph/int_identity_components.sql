{#- Who is who: connected components over every kept edge (person links and the device links that
    passed merge protection). Every unblocked identifier is a node; a shared identifier keeps
    only its self-link and so stands alone. -#}
{{ config(materialized='connected_components') }}

with

decisions as (

    select * from {{ ref('int_identity_edge_decisions') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_profiled') }}

),

final as (

    select
        node_a,
        node_b
    from decisions
    where decision = 'kept'
    union all
    select
        node_id as node_a,
        node_id as node_b
    from identifiers
    where not is_blocked

)

select * from final
