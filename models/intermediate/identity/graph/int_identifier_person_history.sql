{#- Which person each identifier belonged to, build after build: a row when an identifier is
    first resolved and a row whenever its person_id changes (two people merged, or a merge undone).
    Incremental and append-only, so it remembers what earlier builds said; map_person_id_crosswalk
    turns it into old -> new person ids for exports and BI. -#}
{{ config(materialized='incremental', on_schema_change='fail') }}

with

resolved as (

    select * from {{ ref('int_identifiers_resolved') }}
    where person_id is not null

),

{% if is_incremental() %}
    ranked_history as (

        select
            identifier_key,
            person_id,
            row_number() over (partition by identifier_key order by recorded_at desc, person_id desc) as recency
        from {{ this }}

    ),

    latest as (

        select
            identifier_key,
            person_id
        from ranked_history
        where recency = 1

    ),
{% endif %}

final as (

    select
        resolved.identifier_key,
        resolved.person_id,
        {% if is_incremental() -%}
            latest.person_id as previous_person_id,
        {%- else -%}
            cast(null as {{ dbt.type_string() }}) as previous_person_id,
        {%- endif %}
        {{ as_of_date() }} as as_of_date,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as recorded_at,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id
    from resolved
    {% if is_incremental() -%}
        left join latest on resolved.identifier_key = latest.identifier_key
        where latest.person_id is null or latest.person_id != resolved.person_id
    {%- endif %}

)

select * from final
