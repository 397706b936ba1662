{#- Incremental like base_tracking__events: each run replaces the staged row of every event_id
    with a delivery loaded within the lookback window. -#}
{#- Spark without Delta has no delete+insert: there it is rebuilt whole. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='fail'
) }}
{% set lookback_hours = required_var('unified_segments_events_lookback_hours') %}

with

base_events as (

    select * from {{ ref('base_tracking__events') }}

),

final as (

    select
        -- ids
        event_id,
        anonymous_id,
        user_id,
        session_id,
        product_id,

        -- strings
        event_type,
        email,
        page_url,
        product_category,
        device_type,
        utm_source,

        -- numerics
        price,
        quantity,

        -- timestamps
        occurred_at,
        loaded_at

    from base_events
    where row_disposition = 'staged'
    {%- if is_incremental() %}
        and event_id in (
            select event_id from base_events
            where loaded_at > (
                select {{ dbt.dateadd('hour', -lookback_hours, 'max(loaded_at)') }} from {{ this }}
            )
        )
    {%- endif %}

)

select * from final
