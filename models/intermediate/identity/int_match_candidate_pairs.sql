{#- Candidate pairs of match records: the pairs that share the key of at least one blocking rule
    (var unified_segments_match_blocking_rules: a name and the int_match_records columns that must
    all be equal and non-null). Never a cross join: a block (one rule, one key) holding more than
    unified_segments_match_max_block_size records gives no pairs at all; such blocks are listed in
    int_match_blocks_oversized and a test warns about them. record_id_a < record_id_b. -#}
{%- set rules = match_blocking_rules() %}
{%- set max_block_size = required_var('unified_segments_match_max_block_size') %}

with

records as (

    select * from {{ ref('int_match_records') }}

),

{% for rule in rules %}
    blocks_{{ loop.index }} as (

        select
            {{ rule.columns | join(', ') }},
            count(*) as block_size
        from records
        where
            {%- for column in rule.columns %}
                {{ 'and ' if not loop.first }}{{ column }} is not null
            {%- endfor %}
        group by {{ rule.columns | join(', ') }}

    ),
{% endfor %}

pairs as (

    {% for rule in rules %}
        {%- set on_l = [] %}
        {%- set on_r = [] %}
        {%- for column in rule.columns %}
            {%- do on_l.append('blocks.' ~ column ~ ' = l.' ~ column) %}
            {%- do on_r.append('blocks.' ~ column ~ ' = r.' ~ column) %}
        {%- endfor %}
        select
            l.record_id as record_id_a,
            r.record_id as record_id_b,
            '{{ rule.name }}' as blocking_rule
        from blocks_{{ loop.index }} as blocks
        inner join records as l on {{ on_l | join(' and ') }}
        inner join records as r on {{ on_r | join(' and ') }} and l.record_id < r.record_id
        where blocks.block_size <= {{ max_block_size }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select
        record_id_a,
        record_id_b,
        min(blocking_rule) as blocking_rule,
        count(*) as blocking_rules_matched
    from pairs
    group by record_id_a, record_id_b

)

select * from final
