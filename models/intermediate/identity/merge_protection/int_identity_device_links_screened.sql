{#- Merge protection, second pass: may a device (anonymous_id) join the person groups it was seen
    with? It may when no two of those groups hold an identifier of the same type: a browser seen
    with {email A} and with {user_id A} belongs to one person; one seen with {user_id A, email A}
    and with {email B} is a household's shared device, and linking through it would merge two
    people. A shared device keeps its own events but links no one (decision dropped, with the
    rule). One row per device link (pending edge of int_identifier_edges_screened). -#}

with

edges as (

    select * from {{ ref('int_identifier_edges_screened') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_profiled') }}

),

person_groups as (

    select * from {{ ref('int_identity_person_groups') }}

),

device_links as (

    select
        edges.*,
        case when device_end.identifier_role = 'device' then edges.identifier_key_a else edges.identifier_key_b end
            as device_key,
        case when device_end.identifier_role = 'device' then edges.node_b else edges.node_a end as person_node
    from edges
    inner join identifiers as device_end on edges.identifier_key_a = device_end.identifier_key
    where edges.decision = 'pending'

),

identifier_types as (

    select distinct
        identifier_type,
        type_priority
    from identifiers

),

group_types as (

    select distinct
        person_groups.component as person_group,
        identifiers.identifier_type
    from person_groups
    inner join identifiers on person_groups.node = identifiers.node_id

),

device_groups as (

    select distinct
        device_links.device_key,
        person_groups.component as person_group
    from device_links
    inner join person_groups on device_links.person_node = person_groups.node

),

device_type_counts as (

    select
        device_groups.device_key,
        group_types.identifier_type,
        count(*) as group_count
    from device_groups
    inner join group_types on device_groups.person_group = group_types.person_group
    group by device_groups.device_key, group_types.identifier_type

),

ranked_conflicts as (

    select
        device_type_counts.device_key,
        device_type_counts.identifier_type,
        device_type_counts.group_count,
        row_number() over (
            partition by device_type_counts.device_key order by identifier_types.type_priority
        ) as strength_rank
    from device_type_counts
    inner join identifier_types on device_type_counts.identifier_type = identifier_types.identifier_type
    where device_type_counts.group_count > 1

),

-- The strongest identifier type that more than one of the device's groups holds explains the drop.
conflicts as (

    select
        device_key,
        'shared device: ' || cast(group_count as {{ dbt.type_string() }})
        || ' separate people seen on it each have a ' || identifier_type as share_rule
    from ranked_conflicts
    where strength_rank = 1

),

final as (

    select
        device_links.identifier_key_a,
        device_links.identifier_key_b,
        device_links.source_model,
        device_links.node_a,
        device_links.node_b,
        device_links.link_kind,
        device_links.first_seen_at,
        device_links.last_seen_at,
        device_links.observation_count,
        device_links.example_source_row_key,
        case when conflicts.share_rule is null then 'kept' else 'dropped' end as decision,
        case when conflicts.share_rule is not null then device_links.device_key || ' is a ' || conflicts.share_rule end
            as drop_rule
    from device_links
    left join conflicts on device_links.device_key = conflicts.device_key

)

select * from final
