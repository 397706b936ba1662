{#- Every distinct identifier: when it was first and last seen, how often, its type's merge
    priority and role (from var unified_segments_identifier_types), a deterministic integer
    node id for the graph, and the blocklist rule that blocks it, if any. -#}
{%- set identifier_types = required_var('unified_segments_identifier_types') -%}

with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

identity_blocklist as (

    select * from {{ ref('identity_blocklist') }}

),

identifiers as (

    select
        identifier_key,
        identifier_type,
        identifier_value,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as observation_count
    from observations
    group by identifier_key, identifier_type, identifier_value

),

blocked as (

    select
        identifiers.identifier_key,
        min(
            identity_blocklist.match_type || ' ' || identity_blocklist.pattern
            || ' (' || identity_blocklist.reason || ')'
        ) as block_rule
    from identifiers
    inner join identity_blocklist
        on identifiers.identifier_type = identity_blocklist.identifier_type
    where
        (identity_blocklist.match_type = 'exact' and identifiers.identifier_value = identity_blocklist.pattern)
        or (
            identity_blocklist.match_type = 'regex'
            and {{ regexp_matches_expr('identifiers.identifier_value', 'identity_blocklist.pattern') }}
        )
    group by identifiers.identifier_key

),

final as (

    select
        identifiers.identifier_key,
        identifiers.identifier_type,
        identifiers.identifier_value,
        row_number() over (order by identifiers.identifier_key) as node_id,
        case identifiers.identifier_type
            {%- for identifier_type in identifier_types %}
                when '{{ identifier_type.name }}' then {{ loop.index }}
            {%- endfor %}
        end as type_priority,
        case identifiers.identifier_type
            {%- for identifier_type in identifier_types %}
                when '{{ identifier_type.name }}' then '{{ identifier_type.role }}'
            {%- endfor %}
        end as identifier_role,
        case identifiers.identifier_type
            {%- for identifier_type in identifier_types %}
                when '{{ identifier_type.name }}' then {{ identifier_type.max_per_person }}
            {%- endfor %}
        end as max_per_person,
        blocked.block_rule,
        blocked.block_rule is not null as is_blocked,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.observation_count
    from identifiers
    left join blocked on identifiers.identifier_key = blocked.identifier_key

)

select * from final
