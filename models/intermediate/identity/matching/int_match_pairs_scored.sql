{#- Fellegi-Sunter scores of the candidate pairs. Each field's level adds its weight, log2(m / u),
    from int_match_weights (estimated from this build's data, or the frozen seed); a missing field
    adds nothing. Exact agreement on a field with term frequencies also adds log2(u / frequency of the
    agreed value): a rare name agreeing weighs more than a common one. The prior row adds the log
    odds that two records picked at random are one person. match_probability = 2^w / (1 + 2^w). A
    pair at or above var unified_segments_match_threshold is a match and, when var
    unified_segments_probabilistic_matching is on, an edge of the identity graph (source_model
    'probabilistic_match'). int_match_pairs_explained spells the weights out, field by field. -#}
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
        u_probability,
        cast(round(cast(ln(m_probability / u_probability) / ln(2) as decimal(28, 12)), 4) as decimal(18, 4)) as weight
    from {{ ref('int_match_weights') }}

),

prior as (

    select weight as prior_weight
    from weights
    where comparison = 'prior'

),

weighed as (

    select
        pairs.*,
        {% for entry in fields -%}
            w_{{ entry.field }}.weight as {{ entry.field }}_level_weight,
            {% if entry.get('term_frequencies') -%}
                coalesce(
                    cast(
                        round(
                            cast(
                                ln(w_{{ entry.field }}.u_probability / pairs.{{ entry.field }}_frequency) / ln(2)
                                as decimal(28, 12)
                            ),
                            4
                        ) as decimal(18, 4)
                    ),
                    0
                ) as {{ entry.field }}_tf_adjustment,
            {% else -%}
                cast(0 as decimal(18, 4)) as {{ entry.field }}_tf_adjustment,
            {% endif -%}
        {% endfor -%}
        prior.prior_weight
    from pairs
    {% for entry in fields -%}
        left join weights as w_{{ entry.field }}
            on
                w_{{ entry.field }}.comparison = '{{ entry.field }}'
                and pairs.{{ entry.field }}_level = w_{{ entry.field }}.level
    {% endfor -%}
    cross join prior

),

scored as (

    select
        *,
        {% for entry in fields -%}
            coalesce({{ entry.field }}_level_weight, 0) + {{ entry.field }}_tf_adjustment as {{ entry.field }}_weight,
        {% endfor -%}
        prior_weight
        {%- for entry in fields %}
            + coalesce({{ entry.field }}_level_weight, 0) + {{ entry.field }}_tf_adjustment
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
        blocking_rules,
        first_seen_at,
        last_seen_at,
        names_swapped,
        {% for entry in fields -%}
            {{ entry.field }}_level,
            {{ entry.field }}_weight,
            {{ entry.field }}_tf_adjustment,
        {% endfor -%}
        prior_weight,
        match_weight,
        match_probability,
        match_probability >= {{ threshold }} as is_match,
        {#- A level without a weight (frozen weights from before a field was added) is named, so
            the test on this model can say so. -#}
        {% for entry in fields -%}
            case
                when {{ entry.field }}_level <> 'missing' and {{ entry.field }}_level_weight is null
                    then '{{ entry.field }} ' || {{ entry.field }}_level || ', '
                else ''
            end
            {{- ' ||' if not loop.last }}
        {% endfor %} as unweighted_levels
    from probabilities

)

select * from final
