{#- Random pairs of match records, compared like the candidates: almost all are different people,
    so how often each level occurs here is its u probability (int_match_weights).
    Records are put in a pseudo-random but fixed order (a hash of the record id) and each is paired
    with the next var unified_segments_match_u_sample_offsets records: n x offsets pairs, no cross join,
    and no more than var unified_segments_match_u_sample_max_pairs (only the first records in that
    order start pairs), so the sample's cost stops growing with the data.
    A view: only int_match_level_patterns reads it. -#}
{{ config(materialized='view') }}
{%- set offsets = required_var('unified_segments_match_u_sample_offsets') %}
{%- set max_pairs = required_var('unified_segments_match_u_sample_max_pairs') %}

with

records as (

    select
        *,
        row_number() over (order by record_hash, record_id) as draw
    from {{ ref('int_match_records') }}

),

final as (

    select
        l.record_id as record_id_a,
        r.record_id as record_id_b,
        {{ match_comparison_levels('l', 'r') }}
    from records as l
    inner join records as r on l.draw < r.draw and l.draw + {{ offsets }} >= r.draw
    where l.draw <= {{ (max_pairs / offsets) | round(0, 'ceil') | int }}

)

select * from final
