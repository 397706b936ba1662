{#- Survivorship: one value per person and profile attribute, by the rules in var
    unified_segments_survivorship: the most trusted source that has a value wins, and within a
    source the most recent non-null value (ties: the smallest value). Long format, one row per
    person and attribute, with the source and time of the winning value. -#}
{%- set rules = required_var('unified_segments_survivorship') -%}
{%- set sources = {} -%}
{%- for source in required_var('unified_segments_identifier_sources') -%}
    {%- do sources.update({source.model: source}) -%}
{%- endfor -%}
{%- for attribute, models in rules.items() -%}
    {%- for model_name in models if model_name not in sources -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_survivorship: attribute '" ~ attribute ~ "' names " ~ model_name
            ~ ", which is not in unified_segments_identifier_sources, so its rows have no person") }}
    {%- endfor -%}
{%- endfor -%}
{%- set used_models = [] -%}
{%- for models in rules.values() -%}
    {%- for model_name in models if model_name not in used_models -%}
        {%- do used_models.append(model_name) -%}
    {%- endfor -%}
{%- endfor %}

with

source_rows as (

    select * from {{ ref('int_source_rows_resolved') }}

),

{% for model_name in used_models %}
    {{ model_name }} as (

        select * from {{ ref(model_name) }}

    ),

{% endfor %}

candidates as (

    {% for attribute, models in rules.items() -%}
        {%- set outer_loop = loop -%}
        {%- for model_name in models %}
            select
                source_rows.person_id,
                '{{ attribute }}' as attribute_name,
                cast({{ model_name }}.{{ attribute }} as {{ dbt.type_string() }}) as attribute_value,
                '{{ model_name }}' as source_model,
                {{ loop.index }} as source_priority,
                {{ model_name }}.{{ sources[model_name].observed_at }} as observed_at
            from {{ model_name }}
            inner join source_rows
                on
                    source_rows.source_model = '{{ model_name }}'
                    and source_rows.source_row_key
                    = cast({{ model_name }}.{{ sources[model_name].row_key }} as {{ dbt.type_string() }})
            where {{ model_name }}.{{ attribute }} is not null
            {% if not (outer_loop.last and loop.last) %}union all{% endif %}
        {%- endfor %}
    {%- endfor %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by person_id, attribute_name
            order by source_priority asc, observed_at desc, attribute_value asc
        ) as candidate_rank
    from candidates

),

final as (

    select
        person_id,
        attribute_name,
        attribute_value,
        source_model,
        observed_at
    from ranked
    where candidate_rank = 1

)

select * from final
