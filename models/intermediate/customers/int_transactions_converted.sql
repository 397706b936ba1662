{#- Every staged transaction with its amount in the reporting currency (var
    unified_segments_reporting_currency) and its person, where identity found one (a guest sale
    with no identifier has none: it is the store's revenue, in no profile). The reporting currency
    always converts to itself; any other currency needs a row in seeds/currency_rates.csv. A
    transaction without a rate (or without a valid currency) has no converted amount and
    is_unconverted: the currencies_are_convertible guard names each such currency and the fix, and
    profiles count these transactions. -#}
{%- set reporting_currency = required_var('unified_segments_reporting_currency') | upper -%}

with

transactions as (

    select * from {{ ref('stg_shop__transactions') }}

),

sets as (

    select * from {{ ref('int_identifier_sets_resolved') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}
    where reporting_currency = '{{ reporting_currency }}'

),

converted as (

    select
        transactions.transaction_id,
        {{ row_person_id('stg_shop__transactions', 'transactions', 'sets') }} as person_id,
        transactions.status,
        transactions.currency,
        transactions.amount,
        transactions.ordered_at,
        case
            when transactions.currency = '{{ reporting_currency }}' then cast(1 as decimal(18, 6))
            else cast(currency_rates.rate as decimal(18, 6))
        end as rate
    from transactions
    left join sets on {{ identifier_set_matches('stg_shop__transactions', 'transactions', 'sets') }}
    left join currency_rates on transactions.currency = currency_rates.currency

),

final as (

    select
        transaction_id,
        person_id,
        status,
        currency,
        amount,
        ordered_at,
        -- rounded to pennies per transaction, in exact decimals on every engine
        round(amount * rate, 2) as amount_reporting,
        rate is null as is_unconverted
    from converted

)

select * from final
