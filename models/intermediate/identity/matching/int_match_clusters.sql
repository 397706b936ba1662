{#- Match clusters: connected components over the matches alone (pairs at or above the threshold),
    before they join the identity graph. Nodes are int_match_records.record_number. A cluster is
    what matching alone would make one person; int_match_cluster_quality checks it. -#}
{{ config(materialized='connected_components') }}

with

records as (

    select * from {{ ref('int_match_records') }}

),

matches as (

    select * from {{ ref('int_match_pairs_scored') }}
    where is_match

),

final as (

    select
        a.record_number as node_a,
        b.record_number as node_b
    from matches
    inner join records as a on matches.record_id_a = a.record_id
    inner join records as b on matches.record_id_b = b.record_id

)

select * from final
