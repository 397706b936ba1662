{#- Pairs of identifiers seen on the same staged row (in one identifier set), per source: the
    edges of the identity graph, with when they were first and last seen together, how often, and
    one source row that shows it (provenance for "why are these the same person").
    identifier_key_a < identifier_key_b. With var unified_segments_probabilistic_matching on, the
    contact pairs probabilistic matching calls a match (int_match_edges: no chain cut) join them as
    edges of source_model 'probabilistic_match' (example_source_row_key: the two contact ids; the
    evidence is in int_match_pairs_scored). Merge protection treats them like every other edge. -#}

with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

pairs as (

    select
        left_side.identifier_key as identifier_key_a,
        right_side.identifier_key as identifier_key_b,
        left_side.source_model,
        left_side.first_seen_at,
        left_side.last_seen_at,
        left_side.observation_count,
        left_side.example_source_row_key
    from observations as left_side
    inner join observations as right_side
        on
            left_side.source_model = right_side.source_model
            and left_side.identifier_set_key = right_side.identifier_set_key
            and left_side.identifier_key < right_side.identifier_key

),

aggregated as (

    select
        identifier_key_a,
        identifier_key_b,
        source_model,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(observation_count) as bigint) as observation_count,
        min(example_source_row_key) as example_source_row_key
    from pairs
    group by identifier_key_a, identifier_key_b, source_model

),

{% if required_var('unified_segments_probabilistic_matching') %}
    probabilistic as (

        select
            identifier_key_a,
            identifier_key_b,
            'probabilistic_match' as source_model,
            first_seen_at,
            last_seen_at,
            cast(1 as bigint) as observation_count,
            record_id_a || ' ~ ' || record_id_b as example_source_row_key
        from {{ ref('int_match_edges') }}

    ),
{% endif %}

final as (

    select * from aggregated
    {% if required_var('unified_segments_probabilistic_matching') -%}
        union all
        select * from probabilistic
    {%- endif %}

)

select * from final
