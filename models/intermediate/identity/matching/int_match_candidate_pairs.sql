{#- Candidate pairs of match records: the pairs in the same block of at least one blocking rule
    (int_match_record_blocks). Never a cross join: a block holding more than
    unified_segments_match_max_block_size records gives no pairs at all; such blocks are listed in
    int_match_blocks_oversized and a test warns about them. Pairs are of record numbers (integers
    join and group faster than ids), record_number_a < record_number_b.
    blocking_rules lists every rule that paired them, in the var's order (',postal_code,names,'). -#}
{%- set max_block_size = required_var('unified_segments_match_max_block_size') %}
{%- set rules = match_blocking_rules() %}

with

record_blocks as (

    select * from {{ ref('int_match_record_blocks') }}
    where block_size <= {{ max_block_size }}

),

pairs as (

    select
        a.record_number as record_number_a,
        b.record_number as record_number_b,
        a.blocking_rule
    from record_blocks as a
    inner join record_blocks as b
        on
            a.blocking_rule = b.blocking_rule
            and a.block_key = b.block_key
            and a.record_number < b.record_number

),

final as (

    select
        record_number_a,
        record_number_b,
        min(blocking_rule) as blocking_rule,
        count(*) as blocking_rules_matched,
        ','
        {%- for rule in rules %}
            || max(case when blocking_rule = '{{ rule.name }}' then '{{ rule.name }},' else '' end)
        {%- endfor %} as blocking_rules
    from pairs
    group by record_number_a, record_number_b

)

select * from final
