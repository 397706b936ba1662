{#- One row per identifier seen on a staged row: the raw material of the identity graph.
    Generated from var unified_segments_identifier_sources, so a new source or identifier type is
    configuration, not SQL. Only types declared in unified_segments_identifier_types are allowed. -#}
{%- set sources = required_var('unified_segments_identifier_sources') -%}
{%- set known_types = required_var('unified_segments_identifier_types') | map(attribute='name') | list -%}

{%- for source in sources -%}
    {%- for identifier_type in source.identifiers if identifier_type not in known_types -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_identifier_sources: " ~ source.model ~ " maps a column to identifier type '"
            ~ identifier_type ~ "', which is not in unified_segments_identifier_types (" ~ known_types | join(', ') ~ ")") }}
    {%- endfor -%}
{%- endfor %}

with

{% for source in sources %}
    {{ source.model }} as (

        select * from {{ ref(source.model) }}

    ),

{% endfor -%}

unioned as (

    {% for source in sources -%}
        {%- set outer_loop = loop -%}
        {%- for identifier_type, column in source.identifiers.items() %}
            select
                '{{ source.model }}' as source_model,
                cast({{ source.row_key }} as {{ dbt.type_string() }}) as source_row_key,
                '{{ identifier_type }}' as identifier_type,
                cast({{ column }} as {{ dbt.type_string() }}) as identifier_value,
                {{ source.observed_at }} as observed_at
            from {{ source.model }}
            where {{ column }} is not null
            {% if not (outer_loop.last and loop.last) %}union all{% endif %}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select
        source_model,
        source_row_key,
        identifier_type,
        identifier_value,
        observed_at,
        identifier_type || ':' || identifier_value as identifier_key
    from unioned

)

select * from final
