{#- Every distinct identifier: when it was first and last seen, how often, its type's merge
    priority and role (from var unified_segments_identifier_types), a deterministic integer
    node id for the graph, and the blocklist rule that blocks it, if any (the least, when several
    do). The blocklist seed is read when the model runs and each rule becomes a filter with its
    pattern as a literal: a regex compiled once, not once per identifier (36 s at 1M people). -#}
{%- set identifier_types = required_var('unified_segments_identifier_types') -%}
{%- set blocklist = ref('identity_blocklist') -%}
{%- set rules = [] -%}
{%- if execute and load_relation(blocklist) is not none -%}
    {%- set rules = run_query('select identifier_type, match_type, pattern, reason from ' ~ blocklist).rows -%}
{%- endif -%}

with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

identifiers as (

    select
        identifier_key,
        identifier_type,
        identifier_value,
        cast(sum(observation_count) as bigint) as observation_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from observations
    group by identifier_key, identifier_type, identifier_value

),

blocked as (

    select
        identifier_key,
        min(block_rule) as block_rule
    from (
        {% for identifier_type, match_type, pattern, reason in rules
            if match_type in ['exact', 'regex'] and pattern is not none -%}
            select
                identifier_key,
                {{ string_literal(match_type ~ ' ' ~ pattern ~ ' (' ~ (reason or 'no reason given') ~ ')') }} as block_rule
            from identifiers
            where
                identifier_type = {{ string_literal(identifier_type) }}
                and {% if match_type == 'exact' -%}
                    identifier_value = {{ string_literal(pattern) }}
                {%- else -%}
                    {{ regexp_matches_expr('identifier_value', string_literal(pattern)) }}
                {%- endif %}
            union all
        {% endfor -%}
        -- No rows; reading the seed here fails the build when it is missing.
        select
            cast(null as {{ dbt.type_string() }}) as identifier_key,
            cast(null as {{ dbt.type_string() }}) as block_rule
        from {{ blocklist }}
        where 1 = 0
    ) as rule_matches
    group by identifier_key

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
