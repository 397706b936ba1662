{#- The key of a row's identifier set: a hash of the source's identifier columns in the order var
    unified_segments_identifier_sources lists them, each as its length and value (empty when null),
    so no two different sets of values spell the same text. Rows with the same identifiers share
    it; the identity graph is built from sets (int_identifier_observations_unioned), each set gets
    its person once (int_identifier_sets_resolved), and each row finds its person through its
    set's key (identifier_set_matches, row_person_id). relation qualifies the columns. -#}
{% macro identifier_set_key(source, relation=none) -%}
    {%- set parts = [] -%}
    {%- for column in source.identifiers.values() -%}
        {%- set value = 'cast(' ~ (relation ~ '.' if relation else '') ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append("coalesce(cast(length(" ~ value ~ ") as " ~ dbt.type_string() ~ ") || ':' || " ~ value ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}


{#- True when a row of the source carries at least one identifier. -#}
{% macro has_identifier(source) -%}
    {%- set checks = [] -%}
    {%- for column in source.identifiers.values() -%}
        {%- do checks.append(column ~ ' is not null') -%}
    {%- endfor -%}
    ({{ checks | join(' or ') }})
{%- endmacro %}


{#- The entry of var unified_segments_identifier_sources for a model, or none when its rows carry
    no identifiers we resolve. -#}
{% macro identifier_source(model_name) -%}
    {%- for source in required_var('unified_segments_identifier_sources') if source.model == model_name -%}
        {{ return(source) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- Join condition of the rows of model_name (alias relation) to their set in
    int_identifier_sets_resolved (alias sets); false when the model is no identifier source. -#}
{% macro identifier_set_matches(model_name, relation, sets) -%}
    {%- set source = identifier_source(model_name) -%}
    {%- if source is none -%}
        1 = 0
    {%- else -%}
        {{ sets }}.source_model = '{{ model_name }}'
        and {{ sets }}.identifier_set_key = {{ identifier_set_key(source, relation) }}
    {%- endif -%}
{%- endmacro %}


{#- A joined row's person: its set's, or, when all the set's identifiers are blocked (a guest who
    typed test@test.com), a person of its own made from the row key, never a shared junk profile.
    Null for a row without a set (no identifiers) on the null side of a left join. -#}
{% macro row_person_id(model_name, relation, sets) -%}
    {%- set source = identifier_source(model_name) -%}
    {%- if source is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        case when {{ sets }}.identifier_set_key is not null then coalesce(
            {{ sets }}.person_id,
            'p_' || {{ dbt.hash("'row:" ~ model_name ~ ":' || cast(" ~ relation ~ "." ~ source.row_key ~ " as "
                ~ dbt.type_string() ~ ")") }}
        ) end
    {%- endif -%}
{%- endmacro %}
