{#- Segment sizes per as-of date: members and share of all profiles, one row per enabled
    segment (zero members included). Incremental: each build replaces the rows of its own as-of
    date, so the table keeps the history the size tests and anomaly checks read. -#}
{{ config(unified_segments.replaced_per_as_of_date()) }}
{%- set segments = segment_catalogue() %}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}

),

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

catalogue as (

    select * from {{ ref('segment_catalogue') }}
    where is_enabled

),

profile_count as (

    select count(*) as profiles from profiles

),

member_counts as (

    select
        segment_name,
        count(*) as members,
        sum(case when is_primary then 1 else 0 end) as primary_members
    from memberships
    group by segment_name

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        catalogue.segment_name,
        catalogue.rule_version,
        cast(coalesce(member_counts.members, 0) as bigint) as members,
        cast(coalesce(member_counts.primary_members, 0) as bigint) as primary_members,
        profile_count.profiles,
        {{ ratio_half_up('coalesce(member_counts.members, 0)', 'profile_count.profiles', 6) }} as member_share,
        catalogue.min_size,
        catalogue.min_share,
        catalogue.min_size_severity,
        catalogue.max_size_change,
        catalogue.size_change_severity
    from catalogue
    cross join profile_count
    left join member_counts on catalogue.segment_name = member_counts.segment_name

)

select * from final
