{#- Every match record's key under every blocking rule (var unified_segments_match_blocking_rules:
    a name and int_match_records columns that must all be equal and non-null), with the size of
    its block: one row per record and rule, none when a key column is null. The key is the
    columns' text joined with ' | '. Candidate pairs and the oversized-block warning read it. -#}
{%- set rules = match_blocking_rules() %}

with

records as (

    select * from {{ ref('int_match_records') }}

),

keys as (

    {% for rule in rules %}
        {%- set parts = [] %}
        {%- for column in rule.columns %}
            {%- do parts.append('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') %}
        {%- endfor %}
        select
            record_id,
            record_number,
            '{{ rule.name }}' as blocking_rule,
            {{ parts | join(" || ' | ' || ") }} as block_key
        from records
        where {{ rule.columns | join(' is not null and ') }} is not null
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select
        record_id,
        record_number,
        blocking_rule,
        block_key,
        count(*) over (partition by blocking_rule, block_key) as block_size
    from keys

)

select * from final
