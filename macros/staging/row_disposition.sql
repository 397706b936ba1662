{#- What staging did with a raw row, in a base model: quarantined when it failed a check
    (quarantine_reason is set), staged when it ranks first among the rows of its key, else the
    label later_label (a duplicate delivery or a superseded version). -#}
{% macro row_disposition(rank, later_label) -%}
    {{ return(adapter.dispatch('row_disposition', 'unified_segments')(rank, later_label)) }}
{%- endmacro %}

{% macro default__row_disposition(rank, later_label) -%}
    case
        when quarantine_reason is not null then 'quarantined'
        when {{ rank }} = 1 then 'staged'
        else '{{ later_label }}'
    end
{%- endmacro %}
