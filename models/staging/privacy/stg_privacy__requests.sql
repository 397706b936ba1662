with

base_requests as (

    select * from {{ ref('base_privacy__requests') }}

),

final as (

    select
        -- ids
        request_id,

        -- strings
        identifier_type,
        identifier_value,
        request_type,

        -- timestamps
        requested_at,
        loaded_at

    from base_requests
    where row_disposition = 'staged'

)

select * from final
