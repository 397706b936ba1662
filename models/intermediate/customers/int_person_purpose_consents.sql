{#- Each person's consent per purpose: the latest consent record for it, over every identifier
    identity resolved to the person (a record naming an email applies to the person who also has
    the device a cookie banner recorded). Latest by recorded_at, a record without a time counting
    as older than any with one; on a tie a withdrawal wins. A record naming an identifier never
    seen, or a blocked one, reaches no one (it is still in stg_privacy__consents). -#}

with

consents as (

    select * from {{ ref('stg_privacy__consents') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}
    where person_id is not null

),

matched as (

    select
        identifiers.person_id,
        consents.purpose,
        consents.status,
        consents.recorded_at,
        consents.collection_point,
        consents.record_key,
        consents.loaded_at,
        row_number() over (
            partition by identifiers.person_id, consents.purpose
            order by
                consents.recorded_at desc nulls last,
                case consents.status when 'withdrawn' then 0 else 1 end asc,
                consents.loaded_at desc nulls last,
                consents.record_key asc
        ) as recency_rank
    from consents
    inner join identifiers
        on consents.identifier_type || ':' || consents.identifier_value = identifiers.identifier_key

),

final as (

    select
        person_id,
        purpose,
        recorded_at,
        collection_point,
        record_key,
        status = 'granted' as is_granted
    from matched
    where recency_rank = 1

)

select * from final
