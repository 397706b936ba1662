{#- Every raw consent record, typed: its identifier normalised the way staging normalises that
    type everywhere else, its purpose and status read into our terms (macros/staging/consent_values.sql),
    and its disposition: staged, quarantined (with quarantine_reason) or duplicate_delivery. A record
    is quarantined only when it cannot be honoured (no usable identifier, an unknown type, a purpose
    var unified_segments_consent_purposes does not name, a status that is neither a grant nor a
    withdrawal); a bad recorded_at is nulled and recorded in recorded_at_issue, and the record
    still counts, as older than any record with a time. record_key is record_id, or, for a platform
    that exports none, a hash of the record's content. -#}
{{ config(materialized='table') }}
{% set fields = [
    {'raw': 'recorded_at', 'column': 'recorded_at', 'checks': [
        ['recorded_at_unparseable', unparseable('recorded_at', 'recorded_at')]]}
] %}

with

landed as (

    {{ raw_source('privacy', 'consent_records') }}

),

typed as (

    select
        -- ids
        coalesce(
            {{ clean_text('record_id') }},
            {{ dbt.hash(dbt.concat([
                "coalesce(identifier_type, '')", "'|'", "coalesce(identifier_value, '')", "'|'",
                "coalesce(purpose, '')", "'|'", "coalesce(status, '')", "'|'", "coalesce(recorded_at, '')"])) }}
        ) as record_key,
        {{ clean_text('record_id') }} as record_id,

        -- strings
        lower({{ clean_text('identifier_type') }}) as identifier_type,
        {{ normalize_identifier("lower(" ~ clean_text('identifier_type') ~ ")", 'identifier_value') }}
            as identifier_value,
        {{ consent_purpose('purpose') }} as purpose,
        {{ consent_status('status') }} as status,
        {{ clean_text('collection_point') }} as collection_point,

        -- timestamps
        {{ safe_cast_timestamp_utc('recorded_at') }} as recorded_at_parsed,
        loaded_at,

        -- raw values, as landed, for the quarantine
        record_id as raw_record_id,
        identifier_type as raw_identifier_type,
        identifier_value as raw_identifier_value,
        purpose as raw_purpose,
        status as raw_status,
        recorded_at as raw_recorded_at,
        collection_point as raw_collection_point

    from landed

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
            when
                identifier_type is null
                or identifier_type not in ('email', 'phone', 'user_id', 'contact_id', 'anonymous_id')
                then 'identifier_type_unknown'
            when not {{ is_usable_identifier('identifier_type', 'identifier_value') }} then 'identifier_value_invalid'
            when purpose is null then 'purpose_unknown'
            when status is null then 'status_unknown'
        end as quarantine_reason
    from validated

),

ranked as (

    select
        *,
        row_number() over (
            partition by record_key, quarantine_reason is null
            order by
                loaded_at nulls last, raw_identifier_type nulls last, raw_identifier_value nulls last,
                raw_purpose nulls last, raw_status nulls last, raw_recorded_at nulls last,
                raw_collection_point nulls last
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
