with

base_contacts as (

    select * from {{ ref('base_crm__contacts') }}

),

final as (

    select
        -- ids
        contact_id,

        -- strings
        email,
        phone,
        first_name,
        last_name,
        gender,
        city,
        postal_code,
        address_line,
        country,
        loyalty_tier,

        -- booleans
        is_email_opted_in,

        -- dates
        birth_date,

        -- timestamps
        created_at,
        updated_at,
        loaded_at

    from base_contacts
    where row_disposition = 'staged'

)

select * from final
