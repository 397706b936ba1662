{#- SQL predicate on segment_name: true for the enabled catalogue segments that list the
    destination family (email_marketing, ad_platforms, bi) under destinations. -#}
{% macro audience_segment_filter(destination, column='segment_name') -%}
    {%- set names = [] -%}
    {%- for segment in unified_segments.segment_catalogue() if destination in segment.destinations -%}
        {%- do names.append("'" ~ segment.name ~ "'") -%}
    {%- endfor -%}
    {%- if names -%}
        {{ column }} in ({{ names | join(', ') }})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}
