{#- Fellegi-Sunter scores of the candidate pairs. Each field's level adds its weight,
    log2(m / u), from seeds/match_weights.csv (estimated by scripts/estimate_match_weights.py,
    then frozen: read it, edit it); a missing field adds nothing; the prior row adds the log odds
    that a candidate pair is a match. match_probability = 2^w / (1 + 2^w). A pair at or above var
    unified_segments_match_threshold is a match and, when var unified_segments_probabilistic_matching
    is on, an edge of the identity graph (source_model 'probabilistic_match'). evidence spells the
    weights out, field by field. -#}
{%- set fields = match_fields() %}
{%- set threshold = required_var('unified_segments_match_threshold') %}

with

pairs as (

    select * from {{ ref('int_match_pairs_compared') }}

),

weights as (

    select
        comparison,
        level,
        cast(round(cast(ln(m_probability / u_probability) / ln(2) as decimal(28, 12)), 4) as decimal(18, 4)) as weight
    from {{ ref('match_weights') }}

),

prior as (

    select weight as prior_weight
    from weights
    where comparison = 'prior'

),

weighed as (

    select
        pairs.*,
        {% for field in fields -%}
            coalesce(w_{{ field }}.weight, 0) as {{ field }}_weight,
        {% endfor -%}
        prior.prior_weight
    from pairs
    {% for field in fields -%}
        left join weights as w_{{ field }}
            on w_{{ field }}.comparison = '{{ field }}' and pairs.{{ field }}_level = w_{{ field }}.level
    {% endfor -%}
    cross join prior

),

scored as (

    select
        *,
        prior_weight
        {%- for field in fields %}
            + {{ field }}_weight
        {%- endfor %} as match_weight
    from weighed

),

probabilities as (

    select
        *,
        cast(
            round(cast(1 / (1 + power(2, -match_weight)) as decimal(28, 12)), 6) as decimal(18, 6)
        ) as match_probability
    from scored

),

final as (

    select
        record_id_a,
        record_id_b,
        identifier_key_a,
        identifier_key_b,
        blocking_rule,
        blocking_rules_matched,
        first_seen_at,
        last_seen_at,
        names_swapped,
        {% for field in fields -%}
            {{ field }}_level,
            {{ field }}_weight,
        {% endfor -%}
        prior_weight,
        match_weight,
        match_probability,
        match_probability >= {{ threshold }} as is_match,
        {% for field in fields -%}
            '{{ field }} ' || {{ field }}_level || case when {{ field }}_weight > 0 then ' (+' else ' (' end
            || cast(cast({{ field }}_weight as decimal(18, 1)) as {{ dbt.type_string() }}) || ')'
            {{- " || '; ' ||" if not loop.last }}
        {% endfor %}
        || case when names_swapped then '; first and last names swapped' else '' end as evidence
    from probabilities

)

select * from final
