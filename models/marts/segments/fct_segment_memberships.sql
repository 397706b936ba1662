{#- Long form of the segments: one row per person and segment they are in at the as-of date,
    with the segment's rule version (an md5 of its compiled rule), so a changed rule is visible,
    and the member's arm: one of the segment's catalogue arms by a salted hash of the person id
    (macros/segments/arms.sql), or global_control for the global control group. -#}
{%- set segments = segment_catalogue() %}

with

segments as (

    select * from {{ ref('dim_customer_segments') }}

),

final as (

    {% for segment in segments -%}
        select
            person_id,
            cast('{{ segment.name }}' as {{ dbt.type_string() }}) as segment_name,
            as_of_date,
            cast('{{ segment.rule_version }}' as {{ dbt.type_string() }}) as rule_version,
            coalesce(primary_segment = '{{ segment.name }}', false) as is_primary,
            cast(
                case when {{ is_global_control('person_id') }} then 'global_control'
                else {{ segment_arm(segment, 'person_id') }} end as {{ dbt.type_string() }}
            ) as arm
        from segments
        where is_{{ segment.name }}
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as {{ dbt.type_string() }}) as segment_name,
            cast(null as date) as as_of_date,
            cast(null as {{ dbt.type_string() }}) as rule_version,
            cast(null as boolean) as is_primary,
            cast(null as {{ dbt.type_string() }}) as arm
        where 1 = 0
    {%- endfor %}

)

select * from final
