{#- The export families: the models that name one in their meta export_family (the audiences in
    models/exports/_exports__models.yml, which the export reads too), listed by catalogue entries
    under destinations and by destinations.yml entries under audience. [] while dbt parses. -#}
{% macro export_families() -%}
    {%- set families = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.meta.get('export_family') -%}
            {%- do families.append(node.config.meta['export_family']) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(families | sort) }}
{%- endmacro %}


{#- Var unified_segments_export_purposes checked: {family: purpose} for every export family
    (email_marketing, ad_platforms, bi), each purpose one of var unified_segments_consent_purposes. -#}
{% macro export_purposes() -%}
    {%- set chosen = var('unified_segments_export_purposes') -%}
    {%- if not execute -%}
        {{ return(chosen) }}
    {%- endif -%}
    {%- set families = unified_segments.export_families() -%}
    {%- set purposes = unified_segments.consent_purpose_names().values() | unique | list -%}
    {%- if chosen is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_export_purposes must map each export family to a purpose, not " ~ chosen) }}
    {%- endif -%}
    {%- for family in chosen if family not in families -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_export_purposes: " ~ family ~ " is no export family (" ~ families | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- for family in families -%}
        {%- if chosen.get(family) not in purposes -%}
            {{ exceptions.raise_compiler_error(
                "var unified_segments_export_purposes: " ~ family ~ " needs one of the purposes of var "
                ~ "unified_segments_consent_purposes (" ~ purposes | sort | join(', ') ~ "), not " ~ chosen.get(family)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(chosen) }}
{%- endmacro %}


{#- One row per export family and the purpose it needs: (export_family, purpose). -#}
{% macro export_purpose_rows() -%}
    {%- for family, purpose in unified_segments.export_purposes().items() %}
    select '{{ family }}' as export_family, '{{ purpose }}' as purpose
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}
