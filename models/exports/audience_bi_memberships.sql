{#- Segment membership for BI tools outside the warehouse: one row per exportable person and
    segment whose catalogue entry lists bi. No personal data beyond the person id. -#}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}
    where
        {{ audience_segment_filter('bi') }}
        and arm != 'holdout'

),

eligibility as (

    select * from {{ ref('int_person_export_eligibility') }}
    where export_family = 'bi' and is_exportable

),

final as (

    select
        memberships.person_id,
        memberships.segment_name,
        memberships.is_primary,
        memberships.arm,
        memberships.rule_version,
        memberships.as_of_date
    from memberships
    inner join eligibility on memberships.person_id = eligibility.person_id

)

select * from final
