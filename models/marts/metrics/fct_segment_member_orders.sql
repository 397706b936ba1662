{#- One row per segment member at the as-of date with the order figures the segment metrics add
    up (the grain of the MetricFlow semantic model segment_members). -#}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}

),

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

final as (

    select
        memberships.person_id,
        memberships.segment_name,
        memberships.as_of_date,
        memberships.arm,
        profiles.orders,
        profiles.orders_30d,
        profiles.net_revenue,
        profiles.revenue_currency,
        profiles.orders_30d > 0 as has_ordered_30d
    from memberships
    inner join profiles on memberships.person_id = profiles.person_id

)

select * from final
