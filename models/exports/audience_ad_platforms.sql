{#- The ad-platform audience: one row per exportable person with an email or phone and segment
    whose catalogue entry lists ad_platforms; email, phone and names only as SHA-256 hashes, each
    normalised as Google Customer Match and Meta Custom Audiences require
    (macros/exports/audience_identifiers.sql). Google takes country and postal code in clear. -#}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}
    where
        {{ audience_segment_filter('ad_platforms') }}
        and arm != 'holdout'

),

eligibility as (

    select * from {{ ref('int_person_export_eligibility') }}
    where export_family = 'ad_platforms' and is_exportable

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
        {{ google_name_sha256('profiles.first_name') }} as google_first_name_sha256,
        {{ google_name_sha256('profiles.last_name') }} as google_last_name_sha256,
        profiles.country as google_country,
        profiles.postal_code as google_postal_code,
        {{ meta_name_sha256('profiles.first_name') }} as meta_first_name_sha256,
        {{ meta_name_sha256('profiles.last_name') }} as meta_last_name_sha256,
        {{ meta_zip_sha256('profiles.postal_code', 'profiles.country') }} as meta_zip_sha256,
        {{ meta_country_sha256('profiles.country') }} as meta_country_sha256,
        memberships.arm,
        memberships.rule_version,
        memberships.as_of_date
    from memberships
    inner join eligibility on memberships.person_id = eligibility.person_id
    inner join profiles on memberships.person_id = profiles.person_id

)

select * from final
