with

base_events as (

    select * from {{ ref('base_tracking__events') }}

),

final as (

    select
        'tracking.events' as source_table,
        raw_event_id as row_key,
        quarantine_reason,
        loaded_at,
        raw_event_id as event_id,
        raw_event_type as event_type,
        raw_occurred_at as occurred_at,
        raw_anonymous_id as anonymous_id,
        raw_user_id as user_id,
        raw_email as email,
        raw_session_id as session_id,
        raw_page_url as page_url,
        raw_product_id as product_id,
        raw_product_category as product_category,
        raw_price as price,
        raw_quantity as quantity,
        raw_device_type as device_type,
        raw_utm_source as utm_source

    from base_events
    where row_disposition = 'quarantined'

)

select * from final
