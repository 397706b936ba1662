{#- The Fellegi-Sunter weights the candidate pairs are scored with: per match field and level, m
    and u, and the prior. By default (var unified_segments_match_weights: build) estimated from this
    build's own data with no labels (macro estimate_match_weights, over int_match_level_patterns),
    so a new data set is scored by its own weights on its first run; with 'seed' the frozen weights
    of seeds/match_weights.csv (scripts/match_weights.py --freeze writes them from a build), so
    weights, and the person ids they decide, stay put while the data grows. estimated_from says
    where each row came from; weight_order lists the prior first, then the fields in the var's order
    and each field's levels strongest first (the seed's rows: by name). -#}
{%- set choice = required_var('unified_segments_match_weights') %}
{%- if choice not in ['build', 'seed'] %}
    {{ exceptions.raise_compiler_error("var unified_segments_match_weights: expected 'build' or 'seed', got '" ~ choice ~ "'") }}
{%- endif %}
{%- set patterns, records, seed = ref('int_match_level_patterns'), ref('int_match_records'), ref('match_weights') %}
{%- set estimated = none %}
{#- Compiling without a built warehouse (sqlfluff, dbt compile on a fresh file) reads the seed. -#}
{%- if execute and choice == 'build' and load_relation(patterns) is not none %}
    {%- set rows = run_query("select pair_sample, blocking_rule, fixed_fields, pattern, pairs from " ~ patterns
        ~ " where pair_sample <> 'labelled'").rows %}
    {%- set count = run_query('select count(*) from ' ~ records).columns[0].values()[0] | int %}
    {%- set frozen = run_query('select comparison, level, m_probability, u_probability from ' ~ seed).rows %}
    {%- set estimated = estimate_match_weights(rows, count, frozen) %}
    {%- for rule, fit in estimated.rules | dictsort %}
        {%- do log('match weights: EM on blocking rule ' ~ rule ~ ': ' ~ fit.pairs | int ~ ' pairs, '
            ~ '%.1f' | format(fit.share * 100) ~ '% matches, ' ~ fit.iterations ~ ' iterations') %}
    {%- endfor %}
{%- endif %}

{%- if estimated and estimated.weights %}

    {%- for row in estimated.weights %}
        select
            '{{ row.comparison }}' as comparison,
            '{{ row.level }}' as level,
            cast({{ '%.17g' | format(row.m) }} as {{ type_double() }}) as m_probability,
            cast({{ '%.17g' | format(row.u) }} as {{ type_double() }}) as u_probability,
            '{{ row.estimated_from }}' as estimated_from,
            {{ loop.index }} as weight_order
        {{ 'union all' if not loop.last }}
    {%- endfor %}

{%- else %}

    select
        comparison,
        level,
        cast(m_probability as {{ type_double() }}) as m_probability,
        cast(u_probability as {{ type_double() }}) as u_probability,
        'seed' as estimated_from,
        row_number() over (order by comparison, level) as weight_order
    from {{ seed }}

{%- endif %}
