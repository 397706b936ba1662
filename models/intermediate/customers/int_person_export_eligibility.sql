{#- Whether each person may leave the warehouse in each export family's audiences, and if not, the
    first reason: erased (an erasure request), marketing_opt_out (an opt-out request), suppressed
    (a value on seeds/export_suppressions.csv resolves to the person), consent_withdrawn (the
    person's latest consent record for the family's purpose withdrew it), no_consent (no record
    granting the purpose; for email_marketing only, the CRM's email opt-in stands in when there is
    no record, unknown counting as none), global_control (in the global control group, var
    unified_segments_global_control_share). One row per person and family; the purpose each family
    needs is var unified_segments_export_purposes, and consent_basis says what decided it. -#}

with

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}
    where person_id is not null

),

purpose_consents as (

    select * from {{ ref('int_person_purpose_consents') }}

),

families as (

    {{ export_purpose_rows() }}

),

suppressions as (

    select
        identifier_type,
        {{ normalize_identifier('identifier_type', 'identifier_value') }} as identifier_value,
        reason
    from {{ ref('export_suppressions') }}

),

suppressed_people as (

    select
        identifiers.person_id,
        min(suppressions.reason) as suppression_reason
    from suppressions
    inner join identifiers
        on suppressions.identifier_type || ':' || suppressions.identifier_value = identifiers.identifier_key
    group by identifiers.person_id

),

people as (

    select
        profiles.person_id,
        profiles.is_email_opted_in,
        profiles.has_marketing_opt_out,
        profiles.is_erased,
        suppressed_people.suppression_reason,
        suppressed_people.person_id is not null as is_suppressed,
        {{ is_global_control('profiles.person_id') }} as is_global_control
    from profiles
    left join suppressed_people on profiles.person_id = suppressed_people.person_id

),

consented as (

    select
        people.*,
        families.export_family,
        families.purpose,
        purpose_consents.recorded_at as consent_recorded_at,
        case
            when purpose_consents.person_id is not null then 'consent_record'
            when families.purpose = 'email_marketing' then 'crm_opt_in'
        end as consent_basis,
        case
            when purpose_consents.person_id is not null then purpose_consents.is_granted
            when families.purpose = 'email_marketing' then people.is_email_opted_in
            else false
        end as is_consented
    from people
    cross join families
    left join purpose_consents
        on
            people.person_id = purpose_consents.person_id
            and families.purpose = purpose_consents.purpose

),

reasons as (

    select
        person_id,
        export_family,
        purpose,
        consent_basis,
        is_consented,
        consent_recorded_at,
        suppression_reason,
        case
            when is_erased then 'erased'
            when has_marketing_opt_out then 'marketing_opt_out'
            when is_suppressed then 'suppressed'
            when consent_basis = 'consent_record' and not is_consented then 'consent_withdrawn'
            when not is_consented then 'no_consent'
            when is_global_control then 'global_control'
        end as exclusion_reason
    from consented

),

final as (

    select
        *,
        exclusion_reason is null as is_exportable
    from reasons

)

select * from final
