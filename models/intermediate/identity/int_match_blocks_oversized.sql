{#- Blocks too big to pair (more records than var unified_segments_match_max_block_size): a
    blocking rule whose key is too common (a country, a default birth date) would otherwise
    compare every record with every other. Their pairs are skipped; the test on this model warns
    with the rule, the key and the pairs it would have made. -#}
{%- set rules = match_blocking_rules() %}
{%- set max_block_size = required_var('unified_segments_match_max_block_size') %}

with

records as (

    select * from {{ ref('int_match_records') }}

),

blocks as (

    {% for rule in rules %}
        select
            '{{ rule.name }}' as blocking_rule,
            {% for column in rule.columns -%}
                cast({{ column }} as {{ dbt.type_string() }}){{ " || ' | ' || " if not loop.last }}
            {%- endfor %} as block_key,
            count(*) as block_size
        from records
        where
            {%- for column in rule.columns %}
                {{ 'and ' if not loop.first }}{{ column }} is not null
            {%- endfor %}
        group by {{ rule.columns | join(', ') }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select
        blocking_rule,
        block_key,
        block_size,
        cast(block_size as bigint) * (block_size - 1) / 2 as skipped_pairs
    from blocks
    where block_size > {{ max_block_size }}

)

select * from final
