{#- Every form an erased person's email and phone take in exported files, as SHA-256: the Meta and
    Google hashes of each (the Meta email hash and the Google phone hash are also the hashes of the
    clear email and E.164 phone the email platforms receive), plus the tombstones of people whose
    rows the redaction already removed (stg_privacy__erasure_tombstones), so their person ids and
    hashes keep leaving kept runs. The export removes the rows they match from every kept run
    (scripts/export_audiences.py); no clear value is kept here. -#}

with

erased as (

    select person_id from {{ ref('int_customer_profiles') }}
    where is_erased

),

identifiers as (

    select
        identifiers.person_id,
        identifiers.identifier_type,
        identifiers.identifier_value
    from {{ ref('int_identifiers_resolved') }} as identifiers
    inner join erased on identifiers.person_id = erased.person_id
    where identifiers.identifier_type in ('email', 'phone')

),

hashed as (

    select
        person_id,
        case identifier_type
            when 'email' then {{ meta_email_sha256('identifier_value') }}
            else {{ meta_phone_sha256('identifier_value') }}
        end as meta_sha256,
        case identifier_type
            when 'email' then {{ google_email_sha256('identifier_value') }}
            else {{ google_phone_sha256('identifier_value') }}
        end as google_sha256
    from identifiers

),

platform_forms as (

    select
        person_id,
        meta_sha256 as identifier_sha256
    from hashed

    union all

    select
        person_id,
        google_sha256 as identifier_sha256
    from hashed

),

tombstones as (

    select
        person_id,
        identifier_sha256
    from {{ ref('stg_privacy__erasure_tombstones') }}
    where person_id is not null

),

final as (

    select distinct
        person_id,
        identifier_sha256
    from platform_forms

    union

    select
        person_id,
        identifier_sha256
    from tombstones

)

select * from final
