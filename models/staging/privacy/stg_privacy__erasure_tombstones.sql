{#- One row per erased identifier hash (raw privacy.erasure_tombstones, written by the redaction):
    a later load of the identifier reaches a person who counts as erased. A row whose hash is not
    64 hex digits cannot match anything and is left out here (it stays in raw). -#}

with

landed as (

    {{ raw_source('privacy', 'erasure_tombstones') }}

),

typed as (

    select
        lower({{ clean_text('identifier_sha256') }}) as identifier_sha256,
        lower({{ clean_text('identifier_type') }}) as identifier_type,
        {{ clean_text('person_id') }} as person_id,
        {{ safe_cast_timestamp_utc('erased_at') }} as erased_at
    from landed

),

final as (

    select
        identifier_sha256,
        min(identifier_type) as identifier_type,
        min(person_id) as person_id,
        min(erased_at) as erased_at
    from typed
    where {{ regexp_matches('identifier_sha256', '^[0-9a-f]{64}$') }}
    group by identifier_sha256

)

select * from final
