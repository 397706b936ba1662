with

base_requests as (

    select * from {{ ref('base_privacy__requests') }}

),

final as (

    select
        'privacy.privacy_requests' as source_table,
        raw_request_id as row_key,
        quarantine_reason,
        loaded_at,
        raw_request_id as request_id,
        raw_identifier_type as identifier_type,
        raw_identifier_value as identifier_value,
        raw_request_type as request_type,
        raw_requested_at as requested_at

    from base_requests
    where row_disposition = 'quarantined'

)

select * from final
