with

base_transactions as (

    select * from {{ ref('base_shop__transactions') }}

),

final as (

    select
        'shop.transactions' as source_table,
        raw_transaction_id as row_key,
        quarantine_reason,
        loaded_at,
        raw_transaction_id as transaction_id,
        raw_customer_id as customer_id,
        raw_email as email,
        raw_phone as phone,
        raw_ordered_at as ordered_at,
        raw_status as status,
        raw_currency as currency,
        raw_amount as amount,
        raw_item_count as item_count,
        raw_channel as channel,
        raw_address_line as address_line,
        raw_postal_code as postal_code,
        raw_country as country

    from base_transactions
    where row_disposition = 'quarantined'

)

select * from final
