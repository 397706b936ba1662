{#- Holdouts and splits. A person's place in a segment's arms, and in the global control group,
    comes from a salted md5 of the person id: the same on every run and engine, independent of the
    person's other segments, and reshuffled only by changing var unified_segments_assignment_salt. -#}

{#- A number in [0, 1) from the md5 of a text expression: its first six hex digits over 16^6,
    read with position() so every engine computes the same value. -#}
{% macro hash_fraction(expr) -%}
    {%- set hex = "lower(" ~ dbt.hash(expr) ~ ")" -%}
    ({% for i in range(6) -%}
        ({{ dbt.position("substring(" ~ hex ~ ", " ~ (i + 1) ~ ", 1)", "'0123456789abcdef'") }} - 1) * {{ 16 ** (5 - i) }}
        {%- if not loop.last %} + {% endif -%}
    {%- endfor %}) / 16777216.0
{%- endmacro %}


{#- The salted fraction of a person for one purpose (a segment's name, or 'global'). -#}
{% macro assignment_fraction(purpose, person_id) -%}
    {%- set salt = var('unified_segments_assignment_salt') | string -%}
    {{ unified_segments.hash_fraction("'" ~ salt | replace("'", "''") ~ ":" ~ purpose ~ ":' || " ~ person_id) }}
{%- endmacro %}


{#- True for the people in the global control group: no export reaches them, so every campaign
    can be measured against them. Var unified_segments_global_control_share (0 turns it off). -#}
{% macro is_global_control(person_id) -%}
    {%- set share = var('unified_segments_global_control_share') -%}
    {%- if share is not number or share < 0 or share > 0.5 -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_global_control_share must be a share between 0 and 0.5, not " ~ share) }}
    {%- endif -%}
    {%- if share == 0 -%}
        false
    {%- else -%}
        ({{ unified_segments.assignment_fraction('global', person_id) }} < {{ share }})
    {%- endif -%}
{%- endmacro %}


{#- The arm of a member of segment (a catalogue entry): the arms' shares cut [0, 1) in the order
    the catalogue lists them. -#}
{% macro segment_arm(segment, person_id) -%}
    {%- if segment.arms | length == 1 -%}
        '{{ segment.arms[0].name }}'
    {%- else -%}
        {%- set fraction = unified_segments.assignment_fraction(segment.name, person_id) -%}
        case
            {%- for arm in segment.arms[:-1] %}
                when {{ fraction }} < {{ arm.upper }} then '{{ arm.name }}'
            {%- endfor %}
            else '{{ segment.arms[-1].name }}'
        end
    {%- endif -%}
{%- endmacro %}
