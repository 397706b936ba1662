{#- Every match cluster with more than two records, checked for chaining: matches A ~ B and B ~ C
    put A and C in one cluster even when A and C were compared and score clearly as different people
    (match probability below var unified_segments_match_contradiction_probability). Such pairs are
    contradictions: the cluster is flagged (test match_clusters_hold_no_contradictions, a warning)
    with its weakest contradiction, and explain_identity_link names it for a link that goes through
    the cluster. A cluster larger than var unified_segments_match_max_cluster_size fails the build
    (test match_clusters_stay_small). -#}
{%- set contradiction = required_var('unified_segments_match_contradiction_probability') %}

with

records as (

    select * from {{ ref('int_match_records') }}

),

clusters as (

    select * from {{ ref('int_match_clusters') }}

),

scored as (

    select * from {{ ref('int_match_pairs_scored') }}

),

members as (

    select
        clusters.component as cluster_node,
        records.record_id
    from clusters
    inner join records on clusters.node = records.record_number

),

sizes as (

    select
        cluster_node,
        min(record_id) as cluster_id,
        count(*) as records
    from members
    group by cluster_node
    having count(*) > 2

),

inside as (

    select
        a.cluster_node,
        scored.record_id_a,
        scored.record_id_b,
        scored.match_probability,
        scored.is_match
    from scored
    inner join members as a on scored.record_id_a = a.record_id
    inner join members as b on scored.record_id_b = b.record_id and a.cluster_node = b.cluster_node

),

ranked as (

    select
        *,
        row_number() over (partition by cluster_node order by match_probability, record_id_a, record_id_b) as weakness
    from inside

),

summary as (

    select
        cluster_node,
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
    group by cluster_node

),

final as (

    select
        sizes.cluster_id,
        sizes.records,
        summary.matches,
        summary.compared_pairs,
        summary.contradictions,
        summary.weakest_contradiction
    from sizes
    inner join summary on sizes.cluster_node = summary.cluster_node

)

select * from final
