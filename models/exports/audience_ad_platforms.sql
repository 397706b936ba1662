{#- The ad-platform audience: one row per exportable person with an email or phone and segment
    whose catalogue entry lists ad_platforms; identifiers only as SHA-256 hashes, normalised as
    Google Customer Match and Meta Custom Audiences require (macros/exports/audience_identifiers.sql). -#}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}
    where {{ audience_segment_filter('ad_platforms') }}

),

eligibility as (

    select * from {{ ref('int_person_export_eligibility') }}
    where is_exportable

),

profiles as (

    select * from {{ ref('dim_customer_profiles') }}
    where email is not null or phone is not null

),

final as (

    select
        memberships.person_id,
        memberships.segment_name,
        {{ google_email_sha256('profiles.email') }} as google_email_sha256,
        {{ google_phone_sha256('profiles.phone') }} as google_phone_sha256,
        {{ meta_email_sha256('profiles.email') }} as meta_email_sha256,
        {{ meta_phone_sha256('profiles.phone') }} as meta_phone_sha256,
        memberships.rule_version,
        memberships.as_of_date
    from memberships
    inner join eligibility on memberships.person_id = eligibility.person_id
    inner join profiles on memberships.person_id = profiles.person_id

)

select * from final
