{#- RFM scores for people with at least one completed order: recency (days since the last
    purchase, fewer is better), frequency (orders) and monetary (net revenue) quintiles 1-5 with
    ties sharing a score, and the segment name from seeds/rfm_segment_map.csv by R and the mean of
    F and M (rounded half up). People without orders have no RFM row. -#}

with

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

customers as (

    select
        person_id,
        days_since_last_purchase,
        orders,
        net_revenue
    from profiles
    where orders > 0

),

scored as (

    select
        person_id,
        days_since_last_purchase,
        orders,
        net_revenue,
        {{ rfm_score('days_since_last_purchase', higher_is_better=false) }} as recency_score,
        {{ rfm_score('orders') }} as frequency_score,
        {{ rfm_score('net_revenue') }} as monetary_score
    from customers

),

final as (

    select
        scored.person_id,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        cast(scored.recency_score as {{ dbt.type_string() }})
        || cast(scored.frequency_score as {{ dbt.type_string() }})
        || cast(scored.monetary_score as {{ dbt.type_string() }}) as rfm_cell,
        rfm_segment_map.rfm_segment
    from scored
    inner join rfm_segment_map
        on
            scored.recency_score = rfm_segment_map.recency_score
            and {{ ratio_half_up('scored.frequency_score + scored.monetary_score', '2', 0) }}
            = rfm_segment_map.frequency_monetary_score

)

select * from final
