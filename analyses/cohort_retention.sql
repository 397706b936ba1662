-- Cohort retention by first-purchase month: for each cohort (people whose first completed order
-- fell in that month) and each month since, the share of the cohort that ordered again.
with

transactions as (

    select * from {{ ref('stg_shop__transactions') }}

),

source_rows as (

    select * from {{ ref('int_source_rows_resolved') }}

),

orders as (

    select
        source_rows.person_id,
        {{ dbt.date_trunc('month', 'transactions.ordered_at') }} as order_month
    from transactions
    inner join source_rows
        on
            source_rows.source_model = 'stg_shop__transactions'
            and transactions.transaction_id = source_rows.source_row_key
    where transactions.status = 'completed' and transactions.ordered_at < {{ as_of_end() }}

),

cohorts as (

    select
        person_id,
        min(order_month) as cohort_month
    from orders
    group by person_id

),

activity as (

    select distinct
        cohorts.cohort_month,
        cohorts.person_id,
        {{ months_between('cohorts.cohort_month', 'orders.order_month') }} as months_since_first
    from cohorts
    inner join orders on cohorts.person_id = orders.person_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month

),

final as (

    select
        activity.cohort_month,
        cohort_sizes.cohort_size,
        activity.months_since_first,
        count(*) as active_customers,
        {{ ratio_half_up('count(*)', 'cohort_sizes.cohort_size', 4) }} as retention_rate
    from activity
    inner join cohort_sizes on activity.cohort_month = cohort_sizes.cohort_month
    group by activity.cohort_month, cohort_sizes.cohort_size, activity.months_since_first

)

select * from final
order by cohort_month, months_since_first
