{#- Every raw CRM contact row, typed and normalised, with its disposition:
      staged              the latest usable version of its contact_id (updated_at, then loaded_at)
      quarantined         unusable; quarantine_reason says why (first failed check wins)
      superseded_version  an older usable version of a contact that has a later one
    A phone written without an international prefix takes the contact's own country. -#}
{{ config(materialized='table') }}
{% set max_clock_skew_minutes = required_var('unified_segments_max_clock_skew_minutes') %}

with

source as (

    {{ raw_source('crm', 'crm_contacts') }}

),

typed as (

    select
        -- ids
        {{ clean_text('contact_id') }} as contact_id,

        -- strings
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone', 'country') }} as phone,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('gender') }}) as gender,
        {{ clean_text('city') }} as city,
        upper({{ clean_text('postal_code') }}) as postal_code,
        {{ clean_text('address_line') }} as address_line,
        upper({{ clean_text('country') }}) as country,
        lower({{ clean_text('loyalty_tier') }}) as loyalty_tier,

        -- booleans
        {{ parse_boolean('email_opt_in') }} as is_email_opted_in,

        -- dates
        {{ safe_cast_date('birth_date') }} as birth_date,

        -- timestamps
        {{ safe_cast_timestamp_utc('created_at') }} as created_at,
        {{ safe_cast_timestamp_utc('updated_at') }} as updated_at,
        loaded_at,

        -- raw values, as landed, for the quarantine
        contact_id as raw_contact_id,
        email as raw_email,
        phone as raw_phone,
        first_name as raw_first_name,
        last_name as raw_last_name,
        birth_date as raw_birth_date,
        gender as raw_gender,
        city as raw_city,
        postal_code as raw_postal_code,
        address_line as raw_address_line,
        country as raw_country,
        email_opt_in as raw_email_opt_in,
        loyalty_tier as raw_loyalty_tier,
        created_at as raw_created_at,
        updated_at as raw_updated_at

    from source

),

checked as (

    select
        *,
        case
            when contact_id is null then 'contact_id_missing'
            when updated_at is null then 'updated_at_unparseable'
            when updated_at > {{ dbt.dateadd('minute', max_clock_skew_minutes, 'loaded_at') }}
                then 'updated_at_in_future'
            when {{ clean_text('raw_created_at') }} is not null and created_at is null then 'created_at_unparseable'
            when email is not null and not {{ is_valid_email('email') }} then 'email_invalid'
            when {{ clean_text('raw_phone') }} is not null and (phone is null or not {{ is_valid_e164('phone') }})
                then 'phone_invalid'
            when {{ clean_text('raw_birth_date') }} is not null and birth_date is null then 'birth_date_unparseable'
            when {{ clean_text('raw_email_opt_in') }} is not null and is_email_opted_in is null
                then 'email_opt_in_unparseable'
        end as quarantine_reason
    from typed

),

ranked as (

    select
        *,
        -- Among usable rows only: the latest version of a contact wins.
        row_number() over (
            partition by contact_id, quarantine_reason is null
            order by
                updated_at desc nulls last, loaded_at desc nulls last, raw_email asc nulls last,
                raw_phone asc nulls last, raw_first_name asc nulls last, raw_last_name asc nulls last,
                raw_birth_date asc nulls last, raw_gender asc nulls last, raw_city asc nulls last,
                raw_postal_code asc nulls last, raw_country asc nulls last, raw_email_opt_in asc nulls last,
                raw_loyalty_tier asc nulls last, raw_created_at asc nulls last, raw_address_line asc nulls last
        ) as version_rank
    from checked

),

final as (

    select
        *,
        case
            when quarantine_reason is not null then 'quarantined'
            when version_rank = 1 then 'staged'
            else 'superseded_version'
        end as row_disposition
    from ranked

)

select * from final
