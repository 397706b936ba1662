{#- Pairs of identifiers seen on the same staged row, per source: the edges of the identity graph,
    with when they were first and last seen together, how often, and one source row that shows
    it (provenance for "why are these the same person"). identifier_key_a < identifier_key_b. -#}

with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

pairs as (

    select
        left_side.identifier_key as identifier_key_a,
        right_side.identifier_key as identifier_key_b,
        left_side.source_model,
        left_side.source_row_key,
        left_side.observed_at
    from observations as left_side
    inner join observations as right_side
        on
            left_side.source_model = right_side.source_model
            and left_side.source_row_key = right_side.source_row_key
            and left_side.identifier_key < right_side.identifier_key

),

final as (

    select
        identifier_key_a,
        identifier_key_b,
        source_model,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as observation_count,
        min(source_row_key) as example_source_row_key
    from pairs
    group by identifier_key_a, identifier_key_b, source_model

)

select * from final
