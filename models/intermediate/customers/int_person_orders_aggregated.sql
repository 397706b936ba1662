{#- Transactional traits per person up to the as-of date, in the reporting currency
    (int_transactions_converted). Orders are completed transactions; net revenue is completed plus
    refunded (negative) amounts; cancelled orders count for nothing. A transaction whose currency
    has no rate is left out of revenue and counted in unconverted_transactions. -#}

with

transactions as (

    select * from {{ ref('int_transactions_converted') }}

),

person_transactions as (

    select
        person_id,
        status,
        ordered_at,
        amount_reporting,
        is_unconverted,
        ordered_at >= {{ as_of_window_start(30) }} as is_in_window
    from transactions
    where person_id is not null and ordered_at < {{ as_of_end() }}

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
