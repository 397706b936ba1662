{#- The key of a row's identifier set: a hash of the source's identifier columns in the order var
    unified_segments_identifier_sources lists them, each as its length and value (empty when null),
    so no two different sets of values spell the same text. Rows with the same identifiers share
    it; the identity graph is built from sets (int_identifier_observations_unioned) and each row
    finds its person through its set's key (int_source_rows_resolved). -#}
{% macro identifier_set_key(source) -%}
    {%- set parts = [] -%}
    {%- for column in source.identifiers.values() -%}
        {%- set value = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
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
