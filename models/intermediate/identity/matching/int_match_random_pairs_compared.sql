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
{%- if offsets is not number or offsets != offsets | int or offsets < 1 %}
    {{ exceptions.raise_compiler_error("var unified_segments_match_u_sample_offsets: expected a whole number of 1 or more "
        ~ "(random pairs per record), got '" ~ offsets ~ "'") }}
{%- endif %}

with

records as (

    select
        *,
        row_number() over (order by record_hash, record_id) as draw
    from {{ ref('int_match_records') }}

),

offsets as (

    {% for offset in range(1, offsets + 1) -%}
        select {{ offset }} as draw_offset
        {{ 'union all' if not loop.last }}
    {% endfor %}

),

inputs as (

    -- An equality join on draw + offset: a band join (r.draw between l.draw + 1 and
    -- l.draw + offsets) is a slow inequality join on some engines.
    select
        l.record_id as record_id_a,
        r.record_id as record_id_b,
        {{ match_comparison_inputs('l', 'r') }}
    from records as l
    cross join offsets
    inner join records as r on l.draw + offsets.draw_offset = r.draw
    where l.draw <= {{ (max_pairs / offsets) | round(0, 'ceil') | int }}

),

final as (

    select
        record_id_a,
        record_id_b,
        {{ match_comparison_levels() }}
    from inputs

)

select * from final
