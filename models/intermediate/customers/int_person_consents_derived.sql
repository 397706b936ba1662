{#- Privacy requests per person: a request names one identifier, and applies to the person that
    identifier resolved to. A request naming an identifier never seen, or a blocked one, reaches
    no one (it is still in stg_privacy__requests). An identifier with an erasure tombstone (left by
    the redaction of an erased person, stg_privacy__erasure_tombstones) counts as an erasure
    request of whoever it resolves to now, so a later load of it stays erased. -#}

with

requests as (

    select * from {{ ref('stg_privacy__requests') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}

),

tombstones as (

    select * from {{ ref('stg_privacy__erasure_tombstones') }}

),

matched as (

    select
        identifiers.person_id,
        requests.request_type,
        requests.requested_at
    from requests
    inner join identifiers
        on requests.identifier_type || ':' || requests.identifier_value = identifiers.identifier_key
    where identifiers.person_id is not null

    union all

    select
        identifiers.person_id,
        'erasure' as request_type,
        tombstones.erased_at as requested_at
    from identifiers
    inner join tombstones
        on {{ identifier_key_sha256('identifiers.identifier_key') }} = tombstones.identifier_sha256
    where identifiers.person_id is not null

),

final as (

    select
        person_id,
        -- A request applies whether or not its time parsed (requested_at is then null).
        sum(case when request_type = 'erasure' then 1 else 0 end) > 0 as has_erasure_request,
        sum(case when request_type = 'marketing_opt_out' then 1 else 0 end) > 0 as has_marketing_opt_out_request,
        min(case when request_type = 'erasure' then requested_at end) as erasure_requested_at,
        min(case when request_type = 'marketing_opt_out' then requested_at end) as marketing_opt_out_requested_at
    from matched
    group by person_id

)

select * from final
