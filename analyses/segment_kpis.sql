-- Segment KPIs at the as-of date: size, share of profiles, revenue, average order value and
-- 30-day conversion (members with an order in 30 days / members with a session in 30 days).
with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}

),

profiles as (

    select * from {{ ref('dim_customer_profiles') }}

),

profile_count as (

    select count(*) as profiles from profiles

),

final as (

    select
        memberships.segment_name,
        count(*) as members,
        {{ ratio_half_up('count(*)', 'max(profile_count.profiles)', 4) }} as share_of_profiles,
        sum(profiles.net_revenue) as net_revenue,
        sum(profiles.net_revenue_30d) as net_revenue_30d,
        sum(profiles.orders) as orders,
        case
            when sum(profiles.orders) > 0
                then cast(sum(profiles.average_order_value * profiles.orders) / sum(profiles.orders) as decimal(18, 2))
        end as average_order_value,
        {{ ratio_half_up(
            'sum(case when profiles.orders_30d > 0 and profiles.sessions_30d > 0 then 1 else 0 end)',
            'sum(case when profiles.sessions_30d > 0 then 1 else 0 end)',
            4
        ) }} as conversion_rate_30d
    from memberships
    inner join profiles on memberships.person_id = profiles.person_id
    cross join profile_count
    group by memberships.segment_name

)

select * from final
order by members desc
