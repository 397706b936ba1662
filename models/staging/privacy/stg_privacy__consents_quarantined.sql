with

base_consents as (

    select * from {{ ref('base_privacy__consents') }}

),

final as (

    select
        'privacy.consent_records' as source_table,
        record_key as row_key,
        quarantine_reason,
        loaded_at,
        raw_record_id as record_id,
        raw_identifier_type as identifier_type,
        raw_identifier_value as identifier_value,
        raw_purpose as purpose,
        raw_status as status,
        raw_recorded_at as recorded_at,
        raw_collection_point as collection_point

    from base_consents
    where row_disposition = 'quarantined'

)

select * from final
