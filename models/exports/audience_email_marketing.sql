{#- The email-marketing audience: one row per exportable person with an email and segment whose
    catalogue entry lists email_marketing, with what email platforms import beside the email. -#}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}
    where
        {{ audience_segment_filter('email_marketing') }}
        and arm != 'holdout'

),

eligibility as (

    select * from {{ ref('int_person_export_eligibility') }}
    where export_family = 'email_marketing' and is_exportable

),

profiles as (

    select * from {{ ref('dim_customer_profiles') }}
    where email is not null

),

segments as (

    select * from {{ ref('dim_customer_segments') }}

),

final as (

    select
        memberships.person_id,
        profiles.email,
        profiles.first_name,
        profiles.last_name,
        profiles.phone,
        profiles.country,
        memberships.segment_name,
        segments.primary_segment,
        memberships.is_primary,
        memberships.arm,
        memberships.rule_version,
        memberships.as_of_date
    from memberships
    inner join eligibility on memberships.person_id = eligibility.person_id
    inner join profiles on memberships.person_id = profiles.person_id
    inner join segments on memberships.person_id = segments.person_id

)

select * from final
