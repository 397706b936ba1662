{#- The audit of merge protection: every identity edge once, with its final decision (kept or
    dropped) and, when dropped, the rule that dropped it. Query it to learn why two identifiers
    were, or were not, linked. -#}
{{ config(materialized='view') }}

with

screened as (

    select * from {{ ref('int_identifier_edges_screened') }}

),

device_links as (

    select * from {{ ref('int_identity_device_links_screened') }}

),

final as (

    select
        identifier_key_a,
        identifier_key_b,
        source_model,
        node_a,
        node_b,
        link_kind,
        decision,
        drop_rule,
        first_seen_at,
        last_seen_at,
        observation_count,
        example_source_row_key
    from screened
    where decision != 'pending'
    union all
    select
        identifier_key_a,
        identifier_key_b,
        source_model,
        node_a,
        node_b,
        link_kind,
        decision,
        drop_rule,
        first_seen_at,
        last_seen_at,
        observation_count,
        example_source_row_key
    from device_links

)

select * from final
