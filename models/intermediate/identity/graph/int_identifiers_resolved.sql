{#- Every identifier and the person it belongs to. person_id is a hash of the component's
    anchor: its highest-priority identifier type, earliest seen, then lowest key. New data rarely
    changes an anchor, so person ids stay stable from build to build; two components that merge
    keep the stronger anchor. A blocked identifier belongs to no one (person_id null,
    resolution 'blocked', block_rule says why). -#}

with

identifiers as (

    select * from {{ ref('int_identifiers_profiled') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

members as (

    select
        identifiers.*,
        components.component,
        row_number() over (
            partition by components.component
            order by identifiers.type_priority, identifiers.first_seen_at, identifiers.identifier_key
        ) as anchor_rank,
        count(*) over (partition by components.component) as component_size
    from identifiers
    inner join components on identifiers.node_id = components.node

),

anchors as (

    select
        component,
        identifier_key as anchor_identifier_key
    from members
    where anchor_rank = 1

),

final as (

    select
        identifiers.identifier_key,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.node_id,
        'p_' || {{ dbt.hash('anchors.anchor_identifier_key') }} as person_id,
        anchors.anchor_identifier_key,
        members.component_size,
        case when identifiers.is_blocked then 'blocked' else 'resolved' end as resolution,
        identifiers.block_rule,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.observation_count
    from identifiers
    left join members on identifiers.identifier_key = members.identifier_key
    left join anchors on members.component = anchors.component

)

select * from final
