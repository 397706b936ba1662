{#- Every scored pair's score with its evidence: the weights of int_match_pairs_scored spelled
    out, field by field. A view, so the text is made only for the pairs someone reads (explain_identity_link,
    an analyst asking why two contacts did or did not match), never for all candidate pairs. -#}
{{ config(materialized='view') }}
{%- set fields = match_fields() %}

with

scored as (

    select * from {{ ref('int_match_pairs_scored') }}

),

final as (

    select
        record_id_a,
        record_id_b,
        identifier_key_a,
        identifier_key_b,
        match_weight,
        match_probability,
        is_match,
        {% for entry in fields -%}
            '{{ entry.field }} ' || {{ entry.field }}_level
            || case when {{ entry.field }}_weight > 0 then ' (+' else ' (' end
            || cast(cast({{ entry.field }}_weight as decimal(18, 1)) as {{ dbt.type_string() }})
            || case
                when {{ entry.field }}_tf_adjustment = 0 then ''
                else
                    ', of which value frequency '
                    || cast(cast({{ entry.field }}_tf_adjustment as decimal(18, 1)) as {{ dbt.type_string() }})
            end
            || ')'
            {{- " || '; ' ||" if not loop.last }}
        {% endfor %}
        || case when names_swapped then '; first and last names swapped' else '' end as evidence
    from scored

)

select * from final
