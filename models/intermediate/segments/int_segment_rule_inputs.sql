{#- One row per profile with every column a catalogue rule may read: the profile, the tiers and the
    RFM scores. dim_customer_segments evaluates the rules on it; `unified-segments preview` counts
    what a rule would match on it without a rebuild. A view: it holds no data of its own. -#}
{{ config(materialized='view') }}

with

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

tiers as (

    select * from {{ ref('int_customers_tiered') }}

),

rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

final as (

    select
        profiles.*,
        tiers.purchase_frequency_tier,
        tiers.engagement_tier,
        tiers.recency_tier,
        tiers.value_tier,
        tiers.is_seen_last_3_days,
        tiers.has_cart_add_last_48_hours,
        tiers.has_purchase_last_48_hours,
        tiers.days_since_last_seen,
        tiers.days_since_signup,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        rfm.rfm_cell,
        rfm.rfm_segment
    from profiles
    inner join tiers on profiles.person_id = tiers.person_id
    left join rfm on profiles.person_id = rfm.person_id

)

-- every profile column passes through: a catalogue rule may read any of them
select * from final  -- noqa: AM04
