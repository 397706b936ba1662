{#- Groups of person identifiers (user_id, email, phone, contact_id ...) linked by kept edges:
    connected components over them, before any device joins. Every unblocked person identifier is
    a node, linked to itself so that one with no kept edge still forms its own group. -#}
{{ config(materialized='connected_components') }}

with

edges as (

    select * from {{ ref('int_identifier_edges_screened') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_profiled') }}

),

final as (

    select
        node_a,
        node_b
    from edges
    where decision = 'kept'
    union all
    select
        node_id as node_a,
        node_id as node_b
    from identifiers
    where identifier_role = 'person' and not is_blocked

)

select * from final
