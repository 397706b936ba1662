{#- The store's own figures per order day and currency, up to the as-of date: every staged
    transaction counts, including guest sales that no identifier links to a person (they are in no
    profile) and transactions whose currency could not be converted (they have no reporting
    amount, and are counted apart, never as zero). -#}

with

transactions as (

    select * from {{ ref('int_transactions_converted') }}
    where ordered_at < {{ as_of_end() }}

),

final as (

    select
        cast(ordered_at as date) as order_date,
        currency,
        count(*) as all_transactions,
        sum(case when status = 'completed' then 1 else 0 end) as orders,
        sum(case when person_id is null then 1 else 0 end) as unattributed_transactions,
        sum(case when is_unconverted then 1 else 0 end) as unconverted_transactions,
        cast(sum(case when status in ('completed', 'refunded') then amount else 0 end) as decimal(18, 2))
            as net_revenue_in_currency,
        cast(sum(case when status in ('completed', 'refunded') then amount_reporting end) as decimal(18, 2))
            as net_revenue,
        '{{ required_var("unified_segments_reporting_currency") | upper }}' as revenue_currency
    from transactions
    group by cast(ordered_at as date), currency

)

select * from final
