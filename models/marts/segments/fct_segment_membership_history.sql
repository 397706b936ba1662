{#- Spells of segment membership across builds at successive as-of dates: a row per person,
    segment and entry, with entered_as_of and exited_as_of (null while still a member). Each build
    opens a spell for every new member (with their arm, so outcomes can be compared by arm) and
    closes the open spells of people who left. Build the
    as-of dates in order; rebuilding the same date changes nothing. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['person_id', 'segment_name', 'entered_as_of'],
    on_schema_change='append_new_columns'
) }}

with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}

),

{% if is_incremental() %}
    open_spells as (

        select * from {{ this }}
        where exited_as_of is null

    ),

    entered as (

        select
            memberships.person_id,
            memberships.segment_name,
            memberships.as_of_date as entered_as_of,
            cast(null as date) as exited_as_of,
            memberships.rule_version,
            memberships.arm
        from memberships
        left join open_spells
            on
                memberships.person_id = open_spells.person_id
                and memberships.segment_name = open_spells.segment_name
        where open_spells.person_id is null

    ),

    exited as (

        select
            open_spells.person_id,
            open_spells.segment_name,
            open_spells.entered_as_of,
            {{ as_of_date() }} as exited_as_of,
            open_spells.rule_version,
            {#- A table built before arms existed gains the column in this run (on_schema_change). #}
            {%- if 'arm' in adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
                open_spells.arm
            {%- else %}
                cast(null as {{ dbt.type_string() }}) as arm
            {%- endif %}
        from open_spells
        left join memberships
            on
                open_spells.person_id = memberships.person_id
                and open_spells.segment_name = memberships.segment_name
        where memberships.person_id is null and open_spells.entered_as_of < {{ as_of_date() }}

    ),

    final as (

        select * from entered
        union all
        select * from exited

    )
{% else %}
    final as (

        select
            person_id,
            segment_name,
            as_of_date as entered_as_of,
            cast(null as date) as exited_as_of,
            rule_version,
            arm
        from memberships

    )
{% endif %}

select * from final
