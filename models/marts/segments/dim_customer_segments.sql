{#- One row per person: every tier column, RFM scores and segment, one boolean per enabled
    catalogue segment (is_<name>), how many segments the person is in, and the primary segment:
    the person's segment of highest priority (lowest number). Segment columns come from the
    catalogue (_segment_catalogue.yml); the contract's segment columns are generated from it by
    scripts/sync_segment_contract.py (make build runs it). -#}
{%- set segments = segment_catalogue() -%}
{%- if execute -%}
    {%- for segment in segments if ('is_' ~ segment.name) not in model.columns -%}
        {{ exceptions.raise_compiler_error(
            "segment '" ~ segment.name ~ "' has no contract column is_" ~ segment.name ~ " in "
            ~ "models/marts/segments/_segments__models.yml: run `make segments` "
            ~ "(scripts/sync_segment_contract.py) to regenerate the contract from the catalogue") }}
    {%- endfor -%}
{%- endif %}

with

scoring_base as (

    select * from {{ ref('int_segment_rule_inputs') }}

),

flagged as (

    select
        person_id,
        purchase_frequency_tier,
        engagement_tier,
        recency_tier,
        value_tier,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_cell,
        rfm_segment,
        {%- for segment in segments %}
            coalesce(({{ segment.sql }}), false) as is_{{ segment.name }},
        {%- endfor %}
        as_of_date
    from scoring_base

),

final as (

    select
        person_id,
        purchase_frequency_tier,
        engagement_tier,
        recency_tier,
        value_tier,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_cell,
        rfm_segment,
        {%- for segment in segments %}
            is_{{ segment.name }},
        {%- endfor %}
        cast(
            0
            {%- for segment in segments %}
                + case when is_{{ segment.name }} then 1 else 0 end
            {%- endfor %}
            as integer
        ) as segment_count,
        case
            {%- for segment in segments %}
                when is_{{ segment.name }} then '{{ segment.name }}'
            {%- endfor %}
            when 1 = 0 then cast(null as {{ dbt.type_string() }})
        end as primary_segment,
        as_of_date
    from flagged

)

select * from final
