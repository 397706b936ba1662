{#- Tier columns per person, from the profile, with the cut points and labels of the
    unified_segments_*_tiers vars (macro threshold_bucket), and the recency flags segments use,
    all measured from the as-of date. -#}
{%- set frequency = required_var('unified_segments_purchase_frequency_tiers') -%}
{%- set engagement = required_var('unified_segments_engagement_tiers') -%}
{%- set recency = required_var('unified_segments_recency_tiers') -%}
{%- set value = required_var('unified_segments_value_tiers') -%}

with

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

final as (

    select
        person_id,
        {{ threshold_bucket('purchases_per_month', frequency.thresholds, frequency.labels, 'none') }}
            as purchase_frequency_tier,
        {{ threshold_bucket(
            ratio_half_up('cast(time_on_site_minutes_30d * 10 as bigint)', 'sessions_30d * 10', 1),
            engagement.thresholds, engagement.labels, 'inactive'
        ) }} as engagement_tier,
        {{ recency_bucket('last_seen_at', recency.thresholds, recency.labels, 'never') }} as recency_tier,
        {{ threshold_bucket('net_revenue', value.thresholds, value.labels) }} as value_tier,
        {{ is_within_last('last_seen_at', 3) }} as is_seen_last_3_days,
        {{ is_within_last('last_cart_add_at', 48, 'hour') }} as has_cart_add_last_48_hours,
        {{ is_within_last('last_purchase_event_at', 48, 'hour') }} as has_purchase_last_48_hours,
        {{ days_since('last_seen_at') }} as days_since_last_seen,
        {{ days_since('signed_up_at') }} as days_since_signup
    from profiles

)

select * from final
