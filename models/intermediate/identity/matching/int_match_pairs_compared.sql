{#- Every candidate pair with the comparison level of each field (macro match_comparison_levels):
    the evidence the match weights score. -#}

with

candidates as (

    select * from {{ ref('int_match_candidate_pairs') }}

),

records as (

    select * from {{ ref('int_match_records') }}

),

inputs as (

    select
        l.record_id as record_id_a,
        r.record_id as record_id_b,
        l.identifier_key as identifier_key_a,
        r.identifier_key as identifier_key_b,
        candidates.blocking_rule,
        candidates.blocking_rules_matched,
        candidates.blocking_rules,
        case when l.updated_at < r.updated_at then l.updated_at else r.updated_at end as first_seen_at,
        case when l.updated_at < r.updated_at then r.updated_at else l.updated_at end as last_seen_at,
        {{ match_comparison_inputs('l', 'r') }}
    from candidates
    inner join records as l on candidates.record_number_a = l.record_number
    inner join records as r on candidates.record_number_b = r.record_number

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
        {{ match_comparison_levels() }}
    from inputs

)

select * from final
