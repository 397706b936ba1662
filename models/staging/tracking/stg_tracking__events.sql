{#- The staged events: a view of base_tracking__events, which types, ranks and stores every raw
    event once (incrementally), so the staged rows are never written a second time. -#}
{{ config(materialized='view') }}

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

)

select * from final
