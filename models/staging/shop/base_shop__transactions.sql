{#- Every raw transaction row, typed and normalised, with its disposition:
      staged              the latest usable delivery of its transaction_id (the shop re-exports
                          a transaction when it changes; the later copy wins)
      quarantined         unusable: no transaction_id, no believable time, an unknown status,
                          or no believable amount; quarantine_reason says why (first failed check wins)
      superseded_version  an earlier usable delivery of a transaction_id delivered again
    Refunds are rows of their own with status 'refunded' and a negative amount. A transaction with
    no identifier at all (a guest sale) is staged: it is revenue of the store, though no person.
    A national phone is read with the row's (shipping) country, else the default phone country.
    A bad email, phone, currency, item count, postal code or country is nulled and recorded in
    <raw>_issue; the transaction stays (without a currency its amount counts as unconverted). -#}
{{ config(materialized='table') }}
{% set max_clock_skew_minutes = required_var('unified_segments_max_clock_skew_minutes') %}
{% set min_valid_timestamp = required_var('unified_segments_min_valid_timestamp') %}
{% set max_transaction_amount = required_var('unified_segments_max_transaction_amount') %}
{% set fields = [
    email_field(),
    phone_field('raw_country'),
    {'raw': 'currency', 'column': 'currency', 'checks': [
        ['currency_invalid', 'not ' ~ regexp_matches('currency_parsed', '^[A-Z]{3}$')]]},
    {'raw': 'item_count', 'column': 'item_count', 'checks': [
        ['item_count_unparseable', unparseable('item_count', 'item_count')]]},
    postal_code_field(),
    country_field()
] %}

with

source as (

    {{ raw_source('shop', 'transactions') }}

),

typed as (

    select
        -- ids
        {{ clean_text('transaction_id') }} as transaction_id,
        {{ clean_text('customer_id') }} as customer_id,

        -- strings
        {{ normalize_email('email') }} as email_parsed,
        {{ normalize_phone('phone', 'country') }} as phone_parsed,
        lower({{ clean_text('status') }}) as status,
        upper({{ clean_text('currency') }}) as currency_parsed,
        lower({{ clean_text('channel') }}) as channel,
        {{ clean_text('address_line') }} as address_line,
        upper({{ clean_text('postal_code') }}) as postal_code_parsed,
        upper({{ clean_text('country') }}) as country_parsed,

        -- numerics
        {{ safe_cast_decimal('amount') }} as amount,
        {{ safe_cast_integer('item_count') }} as item_count_parsed,

        -- timestamps
        {{ safe_cast_timestamp_utc('ordered_at') }} as ordered_at,
        loaded_at,

        -- raw values, as landed, for the quarantine
        transaction_id as raw_transaction_id,
        customer_id as raw_customer_id,
        email as raw_email,
        phone as raw_phone,
        ordered_at as raw_ordered_at,
        status as raw_status,
        currency as raw_currency,
        amount as raw_amount,
        item_count as raw_item_count,
        channel as raw_channel,
        address_line as raw_address_line,
        postal_code as raw_postal_code,
        country as raw_country

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
            when transaction_id is null then 'transaction_id_missing'
            when ordered_at is null then 'ordered_at_unparseable'
            when ordered_at < cast('{{ min_valid_timestamp }}' as timestamp)
                then 'ordered_at_before_min'
            when ordered_at > {{ dbt.dateadd('minute', max_clock_skew_minutes, 'loaded_at') }}
                then 'ordered_at_in_future'
            when status is null or status not in ('completed', 'cancelled', 'refunded') then 'status_unknown'
            when amount is null then 'amount_unparseable'
            when
                amount > {{ max_transaction_amount }}
                or amount < -{{ max_transaction_amount }}
                or (amount < 0 and status != 'refunded')
                then 'amount_out_of_range'
        end as quarantine_reason
    from validated

),

ranked as (

    select
        *,
        -- Among usable rows only: the latest delivery of a transaction wins.
        row_number() over (
            partition by transaction_id, quarantine_reason is null
            order by
                loaded_at desc nulls last, raw_ordered_at asc nulls last, raw_status asc nulls last,
                raw_amount asc nulls last, raw_customer_id asc nulls last, raw_email asc nulls last,
                raw_phone asc nulls last, raw_currency asc nulls last, raw_item_count asc nulls last,
                raw_channel asc nulls last, raw_address_line asc nulls last, raw_postal_code asc nulls last,
                raw_country asc nulls last
        ) as delivery_rank
    from checked

),

final as (

    select
        *,
        {{ row_disposition('delivery_rank', 'superseded_version') }} as row_disposition
    from ranked

)

select * from final
