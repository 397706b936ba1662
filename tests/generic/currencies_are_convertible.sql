{#- Transactions whose amount could not be converted to the reporting currency, one row per
    currency (null: no valid currency), with the count, the share of all transactions in basis
    points and the fix in words. fail_calc takes the largest share: any unconverted transaction
    warns; above var unified_segments_unconverted_error_percent the build fails, because revenue
    figures would then be missing a real part of the business. -#}
{% test currencies_are_convertible(model) %}
{%- set reporting_currency = unified_segments.required_var('unified_segments_reporting_currency') | upper -%}
{{ config(
    fail_calc='coalesce(max(share_basis_points), 0)',
    warn_if='>0',
    error_if='>' ~ (unified_segments.required_var('unified_segments_unconverted_error_percent') * 100) | int
) }}

with

totals as (

    select count(*) as all_transactions from {{ model }}

),

unconverted as (

    select
        currency,
        count(*) as transactions
    from {{ model }}
    where is_unconverted
    group by currency

)

select
    unconverted.currency,
    unconverted.transactions,
    cast(ceil(10000.0 * unconverted.transactions / totals.all_transactions) as bigint) as share_basis_points,
    case
        when unconverted.currency is null
            then 'transactions without a valid currency: see stg_field_issues (column currency)'
        else 'no rate from ' || unconverted.currency || ' to {{ reporting_currency }}: add the row '
            || unconverted.currency || ',{{ reporting_currency }},<rate> to seeds/currency_rates.csv'
    end as fix
from unconverted
cross join totals

{% endtest %}
