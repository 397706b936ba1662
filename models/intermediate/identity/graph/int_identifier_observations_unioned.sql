{#- The raw material of the identity graph: each identifier of each identifier set, a set being the
    distinct identifiers a staged row carries (macro identifier_set_key), with when rows with that
    set were first and last seen, how many there were and the least row key. Many rows share a set
    (a visitor's events all carry the same anonymous id, user id and email), so the graph is built
    from far fewer rows than the sources hold, with the same counts and times.
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
    {{ source.model }}_sets as (

        select
            *,
            {{ identifier_set_key(source) }} as identifier_set_key
        from (
            select
                {%- for column in source.identifiers.values() %}
                    {{ column }},
                {%- endfor %}
                min({{ source.observed_at }}) as first_seen_at,
                max({{ source.observed_at }}) as last_seen_at,
                count(*) as observation_count,
                min(cast({{ source.row_key }} as {{ dbt.type_string() }})) as example_source_row_key
            from {{ ref(source.model) }}
            where {{ has_identifier(source) }}
            group by {{ source.identifiers.values() | join(', ') }}
        ) as grouped

    ),

{% endfor -%}

unioned as (

    {% for source in sources -%}
        {%- set outer_loop = loop -%}
        {%- for identifier_type, column in source.identifiers.items() %}
            select
                identifier_set_key,
                first_seen_at,
                last_seen_at,
                observation_count,
                example_source_row_key,
                '{{ source.model }}' as source_model,
                '{{ identifier_type }}' as identifier_type,
                cast({{ column }} as {{ dbt.type_string() }}) as identifier_value
            from {{ source.model }}_sets
            where {{ column }} is not null
            {% if not (outer_loop.last and loop.last) %}union all{% endif %}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select
        source_model,
        identifier_set_key,
        identifier_type,
        identifier_value,
        first_seen_at,
        last_seen_at,
        observation_count,
        example_source_row_key,
        identifier_type || ':' || identifier_value as identifier_key
    from unioned

)

select * from final
