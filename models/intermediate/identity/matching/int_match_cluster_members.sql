{#- Every record of a match cluster (int_match_clusters) with its cluster: cluster_id is the
    cluster's smallest record id, cluster_records its size. -#}

with

records as (

    select * from {{ ref('int_match_records') }}

),

clusters as (

    select * from {{ ref('int_match_clusters') }}

),

members as (

    select
        clusters.component,
        records.record_id
    from clusters
    inner join records on clusters.node = records.record_number

),

final as (

    select
        record_id,
        min(record_id) over (partition by component) as cluster_id,
        count(*) over (partition by component) as cluster_records
    from members

)

select * from final
