with

base_contacts as (

    select * from {{ ref('base_crm__contacts') }}

),

final as (

    select
        'crm.crm_contacts' as source_table,
        raw_contact_id as row_key,
        quarantine_reason,
        loaded_at,
        raw_contact_id as contact_id,
        raw_email as email,
        raw_phone as phone,
        raw_first_name as first_name,
        raw_last_name as last_name,
        raw_birth_date as birth_date,
        raw_gender as gender,
        raw_city as city,
        raw_postal_code as postal_code,
        raw_address_line as address_line,
        raw_country as country,
        raw_email_opt_in as email_opt_in,
        raw_loyalty_tier as loyalty_tier,
        raw_created_at as created_at,
        raw_updated_at as updated_at

    from base_contacts
    where row_disposition = 'quarantined'

)

select * from final
