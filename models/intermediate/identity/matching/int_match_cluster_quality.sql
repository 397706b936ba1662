{#- Every match cluster with more than two records, checked for chaining: matches A ~ B and B ~ C
    put A and C in one cluster even when A and C were compared and score clearly as different people
    (match probability below var unified_segments_match_contradiction_probability). Such pairs are
    contradictions; int_match_chain_cuts cuts the matches that would join them, and this model
    counts them (test match_chains_cut warns) with the weakest contradiction. A cluster larger than
    var unified_segments_match_max_cluster_size fails the build (test match_clusters_stay_small). -#}
{%- set contradiction = required_var('unified_segments_match_contradiction_probability') %}

with

members as (

    select * from {{ ref('int_match_cluster_members') }}
    where cluster_records > 2

),

sizes as (

    select distinct
        cluster_id,
        cluster_records as records
    from members

),

scored as (

    select * from {{ ref('int_match_pairs_scored') }}

),

cuts as (

    select
        cluster_id,
        count(*) as cut_matches
    from {{ ref('int_match_chain_cuts') }}
    group by cluster_id

),

inside as (

    select
        a.cluster_id,
        scored.record_id_a,
        scored.record_id_b,
        scored.match_probability,
        scored.is_match
    from scored
    inner join members as a on scored.record_id_a = a.record_id
    inner join members as b on scored.record_id_b = b.record_id and a.cluster_id = b.cluster_id

),

ranked as (

    select
        *,
        row_number() over (partition by cluster_id order by match_probability, record_id_a, record_id_b) as weakness
    from inside

),

summary as (

    select
        cluster_id,
        sum(case when is_match then 1 else 0 end) as matches,
        count(*) as compared_pairs,
        sum(case when match_probability < {{ contradiction }} then 1 else 0 end) as contradictions,
        max(
            case
                when weakness = 1 and match_probability < {{ contradiction }}
                    then
                        record_id_a || ' ~ ' || record_id_b || ' at match probability '
                        || cast(match_probability as {{ dbt.type_string() }})
            end
        ) as weakest_contradiction
    from ranked
    group by cluster_id

),

final as (

    select
        summary.cluster_id,
        sizes.records,
        summary.matches,
        summary.compared_pairs,
        summary.contradictions,
        summary.weakest_contradiction,
        coalesce(cuts.cut_matches, 0) as cut_matches
    from summary
    inner join sizes on summary.cluster_id = sizes.cluster_id
    left join cuts on summary.cluster_id = cuts.cluster_id

)

select * from final
