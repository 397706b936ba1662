{#- What matching gives the identity graph: the pairs at or above the threshold, less the matches
    int_match_chain_cuts cut, with the identifier keys they link (contact_id:<id>). -#}

with

matches as (

    select * from {{ ref('int_match_pairs_scored') }}
    where is_match

),

cuts as (

    select * from {{ ref('int_match_chain_cuts') }}

),

final as (

    select
        matches.record_id_a,
        matches.record_id_b,
        matches.identifier_key_a,
        matches.identifier_key_b,
        matches.first_seen_at,
        matches.last_seen_at,
        matches.match_probability
    from matches
    left join cuts
        on matches.record_id_a = cuts.record_id_a and matches.record_id_b = cuts.record_id_b
    where cuts.record_id_a is null

)

select * from final
