{#- Every raw CRM contact row, typed and normalised, with its disposition:
      staged              the latest usable version of its contact_id (updated_at, then loaded_at)
      quarantined         unusable: no contact_id, or no usable updated_at to order versions by;
                          quarantine_reason says why (first failed check wins)
      superseded_version  an older usable version of a contact that has a later one
    Any other bad value (email, phone, birth date, created_at, opt-in, country, postal code) is
    nulled and recorded in <raw>_issue; the contact keeps everything else.
    A phone written without an international prefix takes the contact's own country. -#}
{{ config(materialized='table') }}
{% set max_clock_skew_minutes = required_var('unified_segments_max_clock_skew_minutes') %}
{% set fields = [
    email_field(),
    phone_field('raw_country'),
    {'raw': 'birth_date', 'column': 'birth_date', 'checks': [
        ['birth_date_unparseable', unparseable('birth_date', 'birth_date')],
        ['birth_date_out_of_range', "birth_date_parsed < cast('1900-01-01' as date) or birth_date_parsed > loaded_at"]]},
    {'raw': 'created_at', 'column': 'created_at', 'checks': [
        ['created_at_unparseable', unparseable('created_at', 'created_at')]]},
    {'raw': 'email_opt_in', 'column': 'is_email_opted_in', 'checks': [
        ['email_opt_in_unparseable', unparseable('email_opt_in', 'is_email_opted_in')]]},
    country_field(),
    postal_code_field()
] %}

with

source as (

    {{ raw_source('crm', 'crm_contacts') }}

),

typed as (

    select
        -- ids
        {{ clean_text('contact_id') }} as contact_id,

        -- strings
        {{ normalize_email('email') }} as email_parsed,
        {{ normalize_phone('phone', 'country') }} as phone_parsed,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('gender') }}) as gender,
        {{ clean_text('city') }} as city,
        upper({{ clean_text('postal_code') }}) as postal_code_parsed,
        {{ clean_text('address_line') }} as address_line,
        upper({{ clean_text('country') }}) as country_parsed,
        lower({{ clean_text('loyalty_tier') }}) as loyalty_tier,

        -- booleans
        {{ parse_boolean('email_opt_in') }} as is_email_opted_in_parsed,

        -- dates
        {{ safe_cast_date('birth_date') }} as birth_date_parsed,

        -- timestamps
        {{ safe_cast_timestamp_utc('created_at') }} as created_at_parsed,
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

validated as (

    select
        *,
        {{ validated_fields(fields) }}
    from typed

),

checked as (

    select
        *,
        case
            when contact_id is null then 'contact_id_missing'
            when updated_at is null then 'updated_at_unparseable'
            when updated_at > {{ dbt.dateadd('minute', max_clock_skew_minutes, 'loaded_at') }}
                then 'updated_at_in_future'
        end as quarantine_reason
    from validated

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
        {{ row_disposition('version_rank', 'superseded_version') }} as row_disposition
    from ranked

)

select * from final
