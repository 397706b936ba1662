{#- Merge protection, first pass. Every edge with a decision:
      dropped  an end is blocked (blocklist seed), or an end is shared: seen with more distinct
               values of a stronger identifier type than one person may hold (max_per_person),
               like an email used by two accounts. The weaker identifier yields.
      kept     a link between two person identifiers (user_id, email, phone, contact_id ...).
      pending  a link between a device and a person identifier; whether the device may join
               is decided once person identifiers are grouped (int_identity_device_links_screened).
    drop_rule says which rule dropped an edge. -#}

with

edges as (

    select * from {{ ref('int_identifier_edges_aggregated') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_profiled') }}

),

typed_edges as (

    select
        edges.*,
        a.node_id as node_a,
        b.node_id as node_b,
        a.identifier_role as role_a,
        b.identifier_role as role_b,
        a.is_blocked as is_blocked_a,
        b.is_blocked as is_blocked_b
    from edges
    inner join identifiers as a on edges.identifier_key_a = a.identifier_key
    inner join identifiers as b on edges.identifier_key_b = b.identifier_key

),

identifier_types as (

    select distinct
        identifier_type,
        type_priority
    from identifiers

),

person_links as (

    select
        identifier_key_a as identifier_key,
        identifier_key_b as neighbour_key
    from typed_edges
    where role_a = 'person' and role_b = 'person' and not is_blocked_a and not is_blocked_b
    union all
    select
        identifier_key_b as identifier_key,
        identifier_key_a as neighbour_key
    from typed_edges
    where role_a = 'person' and role_b = 'person' and not is_blocked_a and not is_blocked_b

),

-- Each person identifier's distinct neighbours of stronger types.
stronger_neighbours as (

    select distinct
        person_links.identifier_key,
        neighbour.identifier_type as neighbour_type,
        neighbour.max_per_person as neighbour_limit,
        neighbour.identifier_key as neighbour_key
    from person_links
    inner join identifiers as own on person_links.identifier_key = own.identifier_key
    inner join identifiers as neighbour on person_links.neighbour_key = neighbour.identifier_key
    where neighbour.type_priority < own.type_priority

),

neighbour_counts as (

    select
        stronger_neighbours.identifier_key,
        stronger_neighbours.neighbour_type,
        stronger_neighbours.neighbour_limit,
        neighbour_types.type_priority as neighbour_priority,
        count(*) as neighbour_count
    from stronger_neighbours
    inner join identifier_types as neighbour_types
        on stronger_neighbours.neighbour_type = neighbour_types.identifier_type
    group by
        stronger_neighbours.identifier_key,
        stronger_neighbours.neighbour_type,
        stronger_neighbours.neighbour_limit,
        neighbour_types.type_priority

),

ranked_overloads as (

    select
        *,
        row_number() over (partition by identifier_key order by neighbour_priority) as strength_rank
    from neighbour_counts
    where neighbour_count > neighbour_limit

),

-- The strongest type the identifier has too many of explains why it is shared.
shared as (

    select
        identifier_key,
        'shared identifier: linked to ' || cast(neighbour_count as {{ dbt.type_string() }}) || ' '
        || neighbour_type || ' values, more than one person holds ('
        || cast(neighbour_limit as {{ dbt.type_string() }}) || ')' as share_rule
    from ranked_overloads
    where strength_rank = 1

),

final as (

    select
        typed_edges.identifier_key_a,
        typed_edges.identifier_key_b,
        typed_edges.source_model,
        typed_edges.node_a,
        typed_edges.node_b,
        typed_edges.first_seen_at,
        typed_edges.last_seen_at,
        typed_edges.observation_count,
        typed_edges.example_source_row_key,
        case
            when typed_edges.role_a = 'person' and typed_edges.role_b = 'person' then 'person_link'
            when typed_edges.role_a = 'device' and typed_edges.role_b = 'device' then 'device_to_device'
            else 'device_link'
        end as link_kind,
        case
            when typed_edges.is_blocked_a or typed_edges.is_blocked_b then 'dropped'
            when shared_a.share_rule is not null or shared_b.share_rule is not null then 'dropped'
            when typed_edges.role_a = 'device' and typed_edges.role_b = 'device' then 'dropped'
            when typed_edges.role_a = 'person' and typed_edges.role_b = 'person' then 'kept'
            else 'pending'
        end as decision,
        case
            when typed_edges.is_blocked_a then 'blocked identifier: ' || typed_edges.identifier_key_a
            when typed_edges.is_blocked_b then 'blocked identifier: ' || typed_edges.identifier_key_b
            when shared_a.share_rule is not null then typed_edges.identifier_key_a || ' is a ' || shared_a.share_rule
            when shared_b.share_rule is not null then typed_edges.identifier_key_b || ' is a ' || shared_b.share_rule
            when typed_edges.role_a = 'device' and typed_edges.role_b = 'device'
                then 'two devices: they link no person'
        end as drop_rule
    from typed_edges
    left join shared as shared_a on typed_edges.identifier_key_a = shared_a.identifier_key
    left join shared as shared_b on typed_edges.identifier_key_b = shared_b.identifier_key

)

select * from final
