with

base_consents as (

    select * from {{ ref('base_privacy__consents') }}

),

final as (

    select
        -- ids
        record_key,
        record_id,

        -- strings
        identifier_type,
        identifier_value,
        purpose,
        status,
        collection_point,

        -- timestamps
        recorded_at,
        loaded_at

    from base_consents
    where row_disposition = 'staged'

)

select * from final
