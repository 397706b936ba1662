{#- Whether each person may leave the warehouse in an audience, and if not, the first reason:
    erased (an erasure request), marketing_opt_out (an opt-out request), suppressed (a value on
    seeds/export_suppressions.csv resolves to the person), no_consent (no email opt-in on the CRM
    record; unknown consent counts as none), global_control (in the global control group, var
    unified_segments_global_control_share). Every export family applies the same rule. -#}

with

profiles as (

    select * from {{ ref('dim_customer_profiles') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}
    where person_id is not null

),

suppressions as (

    select
        identifier_type,
        case identifier_type
            when 'email' then {{ normalize_email('identifier_value') }}
            when 'phone' then {{ normalize_phone('identifier_value') }}
            else {{ clean_text('identifier_value') }}
        end as identifier_value,
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

reasons as (

    select
        profiles.person_id,
        profiles.is_email_opted_in,
        profiles.has_marketing_opt_out,
        profiles.is_erased,
        suppressed_people.suppression_reason,
        case
            when profiles.is_erased then 'erased'
            when profiles.has_marketing_opt_out then 'marketing_opt_out'
            when suppressed_people.person_id is not null then 'suppressed'
            when not profiles.is_email_opted_in then 'no_consent'
            when {{ is_global_control('profiles.person_id') }} then 'global_control'
        end as exclusion_reason
    from profiles
    left join suppressed_people on profiles.person_id = suppressed_people.person_id

),

final as (

    select
        *,
        exclusion_reason is null as is_exportable
    from reasons

)

select * from final
