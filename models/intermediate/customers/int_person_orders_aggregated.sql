{#- Transactional traits per person up to the as-of date, in the reporting currency
    (var unified_segments_reporting_currency, rates from seeds/currency_rates.csv). Orders are
    completed transactions; net revenue is completed plus refunded (negative) amounts; cancelled
    orders count for nothing. A transaction in a currency without a rate is left out of revenue
    and counted in unconverted_transactions. -#}
{%- set reporting_currency = required_var('unified_segments_reporting_currency') -%}

with

transactions as (

    select * from {{ ref('stg_shop__transactions') }}

),

source_rows as (

    select * from {{ ref('int_source_rows_resolved') }}

),

currency_rates as (

    select * from {{ ref('currency_rates') }}
    where reporting_currency = '{{ reporting_currency }}'

),

person_transactions as (

    select
        source_rows.person_id,
        transactions.status,
        transactions.ordered_at,
        -- converted and rounded to pennies per transaction, in exact decimals on every engine
        round(transactions.amount * cast(currency_rates.rate as decimal(18, 6)), 2) as amount_reporting,
        currency_rates.rate is null as is_unconverted,
        transactions.ordered_at >= {{ as_of_window_start(30) }} as is_in_window
    from transactions
    inner join source_rows
        on
            source_rows.source_model = 'stg_shop__transactions'
            and transactions.transaction_id = source_rows.source_row_key
    left join currency_rates on transactions.currency = currency_rates.currency
    where transactions.ordered_at < {{ as_of_end() }}

),

final as (

    select
        person_id,
        cast(
            coalesce(sum(case when status in ('completed', 'refunded') then amount_reporting end), 0)
            as decimal(18, 2)
        ) as net_revenue,
        cast(
            coalesce(sum(case when status in ('completed', 'refunded') and is_in_window then amount_reporting end), 0)
            as decimal(18, 2)
        ) as net_revenue_30d,
        cast(
            coalesce(sum(case when status = 'completed' then amount_reporting end), 0)
            as decimal(18, 2)
        ) as gross_revenue,
        cast(
            coalesce(sum(case when status = 'completed' then amount_reporting * 100 end), 0)
            as bigint
        ) as gross_revenue_cents,
        sum(case when status = 'completed' then 1 else 0 end) as orders,
        sum(case when status = 'completed' and is_in_window then 1 else 0 end) as orders_30d,
        sum(case when status = 'refunded' then 1 else 0 end) as refunds,
        sum(case when status = 'cancelled' then 1 else 0 end) as cancellations,
        min(case when status = 'completed' then ordered_at end) as first_order_at,
        max(case when status = 'completed' then ordered_at end) as last_order_at,
        sum(case when is_unconverted then 1 else 0 end) as unconverted_transactions
    from person_transactions
    group by person_id

)

select * from final
