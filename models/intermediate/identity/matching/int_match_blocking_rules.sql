{#- What each blocking rule (var unified_segments_match_blocking_rules) contributes: the candidate
    pairs it made, those no other rule made, the matches among them the scores expect (the sum of
    their match probabilities: an estimate of the true matches the rule reaches, with no labels)
    and those at or above the threshold, and the pairs its oversized blocks would have made. A rule
    that adds pairs but almost no expected matches costs comparisons for nothing; one whose pairs
    no other rule makes is the only way to those matches. -#}
{%- set rules = match_blocking_rules() %}

with

scored as (

    select * from {{ ref('int_match_pairs_scored') }}

),

oversized as (

    select
        blocking_rule,
        count(*) as oversized_blocks,
        sum(skipped_pairs) as skipped_pairs
    from {{ ref('int_match_blocks_oversized') }}
    group by blocking_rule

),

rules as (

    {% for rule in rules -%}
        select
            '{{ rule.name }}' as blocking_rule,
            '{{ rule.columns | join(", ") }}' as blocking_columns
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

contributions as (

    select
        rules.blocking_rule,
        rules.blocking_columns,
        count(scored.record_id_a) as candidate_pairs,
        coalesce(sum(case when scored.blocking_rules_matched = 1 then 1 else 0 end), 0) as pairs_only_this_rule,
        round(coalesce(sum(scored.match_probability), 0), 1) as expected_matches,
        coalesce(sum(case when scored.is_match then 1 else 0 end), 0) as matches
    from rules
    left join scored on scored.blocking_rules like '%,' || rules.blocking_rule || ',%'
    group by rules.blocking_rule, rules.blocking_columns

),

final as (

    select
        contributions.*,
        coalesce(oversized.oversized_blocks, 0) as oversized_blocks,
        coalesce(oversized.skipped_pairs, 0) as skipped_pairs
    from contributions
    left join oversized on contributions.blocking_rule = oversized.blocking_rule

)

select * from final
