{#- Blocks too big to pair (more records than var unified_segments_match_max_block_size): a
    blocking rule whose key is too common (a country, a default birth date) would otherwise
    compare every record with every other. Their pairs are skipped; the test on this model warns
    with the rule, the key and the pairs it would have made. -#}
{%- set max_block_size = required_var('unified_segments_match_max_block_size') %}

with

record_blocks as (

    select * from {{ ref('int_match_record_blocks') }}

),

final as (

    select distinct
        blocking_rule,
        block_key,
        block_size,
        cast(block_size as bigint) * (block_size - 1) / 2 as skipped_pairs
    from record_blocks
    where block_size > {{ max_block_size }}

)

select * from final
