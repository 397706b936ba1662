{#- Labelled pairs that check the estimated m probabilities (scripts/match_weights.py): two contact
    records that share an email or a phone, so deterministic identity already calls them one
    person, compared like the candidates. How often each level occurs here is how often it occurs
    between records of the same person; the shared identifier is not a compared field, so the
    labels do not bias the fields. The estimate does not use them: most data sets have none. Keys held by more than unified_segments_match_max_block_size records
    (placeholders, shared office addresses) label nothing.
    A view: only int_match_level_patterns reads it. -#}
{{ config(materialized='view') }}
{%- set max_block_size = required_var('unified_segments_match_max_block_size') %}

with

records as (

    select * from {{ ref('int_match_records') }}

),

link_keys as (

    select
        record_id,
        'email:' || email as link_key
    from records
    where email is not null
    union
    select
        record_id,
        'phone:' || phone as link_key
    from records
    where phone is not null

),

key_sizes as (

    select
        link_key,
        count(*) as key_size
    from link_keys
    group by link_key

),

pairs as (

    select distinct
        a.record_id as record_id_a,
        b.record_id as record_id_b
    from link_keys as a
    inner join link_keys as b on a.link_key = b.link_key and a.record_id < b.record_id
    inner join key_sizes on a.link_key = key_sizes.link_key
    where key_sizes.key_size <= {{ max_block_size }}

),

inputs as (

    select
        pairs.record_id_a,
        pairs.record_id_b,
        {{ match_comparison_inputs('l', 'r') }}
    from pairs
    inner join records as l on pairs.record_id_a = l.record_id
    inner join records as r on pairs.record_id_b = r.record_id

),

final as (

    select
        record_id_a,
        record_id_b,
        {{ match_comparison_levels() }}
    from inputs

)

select * from final
