{#- Random pairs of match records, compared like the candidates: almost all are different people,
    so how often each level occurs here is its u probability (scripts/estimate_match_weights.py).
    Records are put in a pseudo-random but fixed order (a hash of the record id) and each is paired
    with the next var unified_segments_match_u_sample_offsets records: n x offsets pairs, no cross join.
    A view: only the weight estimation reads it, so builds do not pay for it. -#}
{{ config(materialized='view') }}
{%- set offsets = required_var('unified_segments_match_u_sample_offsets') %}

with

records as (

    select
        *,
        row_number() over (order by {{ dbt.hash('record_id') }}, record_id) as draw
    from {{ ref('int_match_records') }}

),

final as (

    select
        l.record_id as record_id_a,
        r.record_id as record_id_b,
        {{ match_comparison_levels('l', 'r') }}
    from records as l
    inner join records as r on l.draw < r.draw and l.draw + {{ offsets }} >= r.draw

)

select * from final
