{#- What int_match_weights estimates the weights from (macro estimate_match_weights): how many
    record pairs show each pattern of comparison levels (the fields' levels joined with '|', in the
    order of the field_names column), per sample of pairs (pair_sample):
      random     random pairs (int_match_random_pairs_compared): almost all different people, so
                 their levels give the u probabilities;
      rule       the candidate pairs of one blocking rule, with the fields the rule holds fixed
                 (fixed_fields): expectation-maximisation on them gives the m probabilities;
      candidate  every candidate pair once: the prior;
      labelled   pairs sharing an email or a phone (int_match_training_pairs), to check the
                 estimate against when the data has them (scripts/match_weights.py).
    A view: int_match_weights reads it once, and it reads the candidates once. -#}
{{ config(materialized='view') }}
{%- set fields = match_fields() %}
{%- set rules = match_blocking_rules() %}
{%- set samples = [
    {'name': 'random', 'relation': ref('int_match_random_pairs_compared'), 'rule': none, 'fixed': ''},
    {'name': 'labelled', 'relation': ref('int_match_training_pairs'), 'rule': none, 'fixed': ''},
    {'name': 'candidate', 'relation': 'candidate_patterns', 'rule': none, 'fixed': ''},
] %}
{%- for rule in rules %}
    {%- set fixed = match_rule_fixed_fields(rule) %}
    {%- do samples.append({'name': 'rule', 'relation': 'candidate_patterns', 'rule': rule.name, 'fixed': fixed}) %}
{%- endfor %}
{%- set no_rule = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- set pattern -%}
    {%- for entry in fields -%}
        {{ entry.field }}_level{{ " || '|' || " if not loop.last }}
    {%- endfor -%}
{%- endset %}

with

candidates as (

    select
        blocking_rules,
        {{ pattern }} as pattern
    from {{ ref('int_match_pairs_compared') }}

),

candidate_patterns as (

    -- The candidates read once: each rule's sample is a filter of these counts.
    select
        blocking_rules,
        pattern,
        count(*) as pairs
    from candidates
    group by blocking_rules, pattern

),

samples as (

    {% for sample in samples -%}
        select
            '{{ sample.name }}' as pair_sample,
            {{ "'" ~ sample.rule ~ "'" if sample.rule else no_rule }} as blocking_rule,
            '{{ sample.fixed }}' as fixed_fields,
            {{ 'pattern' if sample.relation == 'candidate_patterns' else pattern }} as pattern,
            {{ 'pairs' if sample.relation == 'candidate_patterns' else 'cast(1 as bigint)' }} as pairs
        from {{ sample.relation }}
        {% if sample.rule -%}
            where blocking_rules like '%,{{ sample.rule }},%'
        {% endif -%}
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

final as (

    select
        pair_sample,
        blocking_rule,
        fixed_fields,
        '{{ fields | map(attribute='field') | join('|') }}' as field_names,
        pattern,
        cast(sum(pairs) as bigint) as pairs
    from samples
    group by pair_sample, blocking_rule, fixed_fields, pattern

)

select * from final
