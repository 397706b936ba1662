{#- The segment catalogue as a table: one row per entry (disabled ones too), with the rule as
    compiled and its version. The entries are the meta of this model in _segment_catalogue.yml. -#}
{%- set segments = segment_catalogue(include_disabled=true) %}

with

final as (

    {% for segment in segments -%}
        select
            '{{ segment.name }}' as segment_name,
            '{{ segment.description | replace("'", "''") }}' as segment_description,
            '{{ segment.sql | replace("'", "''") }}' as rule_sql,
            '{{ segment.rule_version }}' as rule_version,
            {{ segment.priority }} as priority,
            {{ segment.min_size }} as min_size,
            cast({{ segment.min_share }} as decimal(18, 6)) as min_share,
            '{{ segment.severity }}' as min_size_severity,
            cast({{ segment.max_size_change }} as decimal(18, 6)) as max_size_change,
            '{{ segment.size_change_severity }}' as size_change_severity,
            '{{ segment.owner }}' as owner,
            '{{ segment.destinations | join(",") }}' as destinations,
            {{ 'true' if segment.enabled else 'false' }} as is_enabled
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select
            cast(null as {{ dbt.type_string() }}) as segment_name,
            cast(null as {{ dbt.type_string() }}) as segment_description,
            cast(null as {{ dbt.type_string() }}) as rule_sql,
            cast(null as {{ dbt.type_string() }}) as rule_version,
            cast(null as integer) as priority,
            cast(null as integer) as min_size,
            cast(null as decimal(18, 6)) as min_share,
            cast(null as {{ dbt.type_string() }}) as min_size_severity,
            cast(null as decimal(18, 6)) as max_size_change,
            cast(null as {{ dbt.type_string() }}) as size_change_severity,
            cast(null as {{ dbt.type_string() }}) as owner,
            cast(null as {{ dbt.type_string() }}) as destinations,
            cast(null as boolean) as is_enabled
        where 1 = 0
    {%- endfor %}

)

select * from final
