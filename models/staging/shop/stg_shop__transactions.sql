with

base_transactions as (

    select * from {{ ref('base_shop__transactions') }}

),

final as (

    select
        -- ids
        transaction_id,
        customer_id,

        -- strings
        email,
        phone,
        status,
        currency,
        channel,
        address_line,
        postal_code,
        country,

        -- numerics
        amount,
        item_count,

        -- timestamps
        ordered_at,
        loaded_at

    from base_transactions
    where row_disposition = 'staged'

)

select * from final
