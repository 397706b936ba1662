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
{%- set attributes_of = {} -%}
{%- for attribute, models in rules.items() -%}
    {%- for model_name in models -%}
        {%- do attributes_of.setdefault(model_name, []).append(attribute) -%}
    {%- endfor -%}
{%- endfor %}

with

sets as (

    select * from {{ ref('int_identifier_sets_resolved') }}

),

{% for model_name, attributes in attributes_of.items() %}
    {%- set present = [] -%}
    {%- for attribute in attributes -%}
        {%- do present.append('source_rows.' ~ attribute ~ ' is not null') -%}
    {%- endfor %}
    -- each source's rows joined to their people once, for all the attributes it offers
    {{ model_name }} as (

        select
            source_rows.{{ sources[model_name].observed_at }} as observed_at,
            {%- for attribute in attributes %}
                cast(source_rows.{{ attribute }} as {{ dbt.type_string() }}) as {{ attribute }},
            {%- endfor %}
            {{ row_person_id(model_name, 'source_rows', 'sets') }} as person_id
        from {{ ref(model_name) }} as source_rows
        inner join sets on {{ identifier_set_matches(model_name, 'source_rows', 'sets') }}
        where {{ present | join(' or ') }}

    ),

{% endfor %}

candidates as (

    {% for attribute, models in rules.items() -%}
        {%- set outer_loop = loop -%}
        {%- for model_name in models %}
            select
                person_id,
                '{{ attribute }}' as attribute_name,
                {{ attribute }} as attribute_value,
                '{{ model_name }}' as source_model,
                {{ loop.index }} as source_priority,
                observed_at
            from {{ model_name }}
            where {{ attribute }} is not null
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
