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

profiles as (

    select * from {{ ref('dim_customer_profiles') }}

),

tiers as (

    select * from {{ ref('int_customers_tiered') }}

),

rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

scoring_base as (

    select
        profiles.*,
        tiers.purchase_frequency_tier,
        tiers.engagement_tier,
        tiers.recency_tier,
        tiers.value_tier,
        tiers.is_seen_last_3_days,
        tiers.has_cart_add_last_48_hours,
        tiers.has_purchase_last_48_hours,
        tiers.days_since_last_seen,
        tiers.days_since_signup,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        rfm.rfm_cell,
        rfm.rfm_segment
    from profiles
    inner join tiers on profiles.person_id = tiers.person_id
    left join rfm on profiles.person_id = rfm.person_id

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
