{#- Every raw privacy request, typed, with its identifier normalised the way staging normalises
    that identifier type everywhere else (so a request matches the identifier it names), and its
    disposition: staged, quarantined (with quarantine_reason) or duplicate_delivery. A request is
    quarantined only when it cannot be honoured (no id, no usable identifier, an unknown type); a
    bad requested_at is nulled and recorded in requested_at_issue, and the request still applies. -#}
{{ config(materialized='table') }}
{% set fields = [
    {'raw': 'requested_at', 'column': 'requested_at', 'checks': [
        ['requested_at_unparseable', unparseable('requested_at', 'requested_at')]]}
] %}

with

source as (

    {{ raw_source('privacy', 'privacy_requests') }}

),

typed as (

    select
        -- ids
        {{ clean_text('request_id') }} as request_id,

        -- strings
        lower({{ clean_text('identifier_type') }}) as identifier_type,
        {{ normalize_identifier("lower(" ~ clean_text('identifier_type') ~ ")", 'identifier_value') }}
            as identifier_value,
        lower({{ clean_text('request_type') }}) as request_type,

        -- timestamps
        {{ safe_cast_timestamp_utc('requested_at') }} as requested_at_parsed,
        loaded_at,

        -- raw values, as landed, for the quarantine
        request_id as raw_request_id,
        identifier_type as raw_identifier_type,
        identifier_value as raw_identifier_value,
        request_type as raw_request_type,
        requested_at as raw_requested_at

    from source

),

validated as (

    select
        *,
        {{ validated_fields(fields) }}
    from typed

),

checked as (

    select
        *,
        case
            when request_id is null then 'request_id_missing'
            when identifier_type is null or identifier_type not in ('email', 'phone', 'user_id', 'contact_id')
                then 'identifier_type_unknown'
            when not {{ is_usable_identifier('identifier_type', 'identifier_value') }} then 'identifier_value_invalid'
            when request_type is null or request_type not in ('erasure', 'marketing_opt_out')
                then 'request_type_unknown'
        end as quarantine_reason
    from validated

),

ranked as (

    select
        *,
        row_number() over (
            partition by request_id, quarantine_reason is null
            order by
                loaded_at nulls last, raw_identifier_type nulls last, raw_identifier_value nulls last,
                raw_request_type nulls last, raw_requested_at nulls last
        ) as delivery_number
    from checked

),

final as (

    select
        *,
        {{ row_disposition('delivery_number', 'duplicate_delivery') }} as row_disposition
    from ranked

)

select * from final
