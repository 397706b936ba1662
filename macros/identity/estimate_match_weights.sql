{#- Unsupervised estimation of the Fellegi-Sunter weights from the build's own data (model
    int_match_weights). The input is int_match_level_patterns: how many record pairs show each
    pattern of levels, per sample. It is small whatever the data's size (at most the product of the
    fields' level counts per sample), so the arithmetic runs here, in the template, once per build,
    and every engine gets the same numbers from the same counts.

    u      the share of each level among random pairs (almost all different people); the seed's u
           counts as match_u_prior_pairs() random pairs (a field the seed lacks: one pair per
           level), so a short list keeps sensible u and a level never seen a finite weight;
    m      expectation-maximisation (EM) on the candidate pairs of each blocking rule with u fixed,
           the fields the rule blocks on left out (all its pairs agree on them), then the mean over
           the rules that estimated the field. The weights of seeds/match_weights.csv are the
           starting point and count as match_em_prior_pairs() pairs of evidence, so a handful of
           pairs cannot swing a weight; thousands of pairs outweigh them;
    prior  the chance that two records picked at random are one person: EM over every candidate
           pair, m and u fixed, against all n(n-1)/2 pairs (blocking never compares the rest, which
           are taken as different people).
    A field no blocking rule leaves free, or every field when there are no candidate pairs, keeps
    the seed's m (and the prior the seed's), and the row says so. -#}

{% macro match_em_prior_pairs() %}{{ return(10) }}{% endmacro %}
{% macro match_u_prior_pairs() %}{{ return(1000) }}{% endmacro %}
{% macro match_em_max_iterations() %}{{ return(500) }}{% endmacro %}
{% macro match_em_tolerance() %}{{ return(0.000001) }}{% endmacro %}


{#- rows: int_match_level_patterns rows as mappings (pair_sample, blocking_rule, fixed_fields, pattern,
    pairs); records: how many match records; seed: rows of seeds/match_weights.csv as mappings
    (comparison, level, m_probability, u_probability), maybe none. Returns {'weights': [{comparison,
    level, m, u, estimated_from}], 'rules': {rule: {pairs, share, iterations}}, 'prior_iterations'}. -#}
{% macro estimate_match_weights(rows, records, seed) -%}
    {%- set types = unified_segments.match_comparison_types() -%}
    {%- set fields, levels = [], {} -%}
    {%- for entry in unified_segments.match_fields() -%}
        {%- do fields.append(entry.field) -%}
        {%- do levels.update({entry.field: types[entry.comparison]}) -%}
    {%- endfor -%}
    {%- set seed_m, seed_u, seed_prior = {}, {}, namespace(value=none) -%}
    {%- for row in seed -%}
        {%- if row.comparison == 'prior' -%}
            {%- set seed_prior.value = row.m_probability | float -%}
        {%- else -%}
            {%- do seed_m.setdefault(row.comparison, {}).update({row.level: row.m_probability | float}) -%}
            {%- do seed_u.setdefault(row.comparison, {}).update({row.level: row.u_probability | float}) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- The samples, each pattern as {field: level} and its pair count, in code-point order of the
        patterns (not the engine's collation), so every engine adds them up in the same order. -#}
    {%- set random, candidate, rules = [], [], {} -%}
    {%- for row in rows | sort(attribute='pattern', case_sensitive=true) -%}
        {%- set parts = row.pattern.split('|') -%}
        {%- set pattern = {} -%}
        {%- for field in fields -%}
            {%- do pattern.update({field: parts[loop.index0]}) -%}
        {%- endfor -%}
        {%- set item = {'levels': pattern, 'pairs': row.pairs | float} -%}
        {%- if row.pair_sample == 'random' -%}
            {%- do random.append(item) -%}
        {%- elif row.pair_sample == 'candidate' -%}
            {%- do candidate.append(item) -%}
        {%- elif row.pair_sample == 'rule' -%}
            {%- do rules.setdefault(row.blocking_rule, {'fixed': row.fixed_fields.split(','), 'patterns': []}).patterns.append(item) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set observed = [] -%}
    {%- for field in fields if random | selectattr('levels.' ~ field, 'ne', 'missing') | list -%}
        {%- do observed.append(field) -%}
    {%- endfor -%}
    {%- set u = {} -%}
    {%- for field in observed -%}
        {%- if seed_u.get(field) -%}
            {#- A level the seed lacks (a seed from an older version) counts as rare. -#}
            {%- set filled = {} -%}
            {%- for level in levels[field] -%}
                {%- do filled.update({level: seed_u[field].get(level, 0.001)}) -%}
            {%- endfor -%}
            {%- set prior_u = unified_segments.match_level_shares([], field, levels[field], none, 1.0, filled) -%}
            {%- do u.update({field: unified_segments.match_level_shares(random, field, levels[field], none,
                                                                         unified_segments.match_u_prior_pairs(), prior_u)}) -%}
        {%- else -%}
            {%- do u.update({field: unified_segments.match_level_shares(random, field, levels[field], none, 1.0, {})}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set start = {} -%}
    {%- for field in observed -%}
        {%- do start.update({field: unified_segments.match_em_start(levels[field], seed_m.get(field, {}))}) -%}
    {%- endfor -%}

    {%- set estimates, report = {}, {} -%}
    {%- for rule in rules | sort -%}
        {%- set used = observed | reject('in', rules[rule].fixed) | list -%}
        {%- if used -%}
            {%- set fitted = unified_segments.match_em(rules[rule].patterns, used, levels, u, start) -%}
            {%- do report.update({rule: {'pairs': rules[rule].patterns | sum(attribute='pairs'), 'share': fitted.share,
                                         'iterations': fitted.iterations}}) -%}
            {%- for field in used -%}
                {%- do estimates.setdefault(field, []).append(fitted.m[field]) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set m, source = {}, {} -%}
    {%- for field in observed -%}
        {%- if estimates.get(field) -%}
            {%- set mean = {} -%}
            {%- for level in levels[field] -%}
                {%- do mean.update({level: (estimates[field] | map(attribute=level) | sum) / (estimates[field] | length)}) -%}
            {%- endfor -%}
            {%- do m.update({field: mean}) -%}
            {%- do source.update({field: 'build: EM over ' ~ estimates[field] | length ~ ' blocking rule(s)'}) -%}
        {%- else -%}
            {%- do m.update({field: start[field]}) -%}
            {%- do source.update({field: 'seed: no candidate pairs leave it free to estimate'}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set all_pairs = records * (records - 1) / 2 -%}
    {%- set prior = namespace(value=seed_prior.value, iterations=0, converged=false, source='seed: no candidate pairs') -%}
    {%- if candidate and all_pairs > 0 -%}
        {%- set prior.value = [(candidate | sum(attribute='pairs')) / all_pairs / 2, 0.5] | min -%}
        {%- for iteration in range(1, unified_segments.match_em_max_iterations() + 1) if not prior.converged -%}
            {%- set odds = prior.value / (1 - prior.value) -%}
            {%- set expected = namespace(value=0.0) -%}
            {%- for item in candidate -%}
                {%- set expected.value = expected.value + unified_segments.match_chance(item.levels, odds, m, u, observed) * item.pairs -%}
            {%- endfor -%}
            {%- set new = [[expected.value / all_pairs, 1e-15] | max, 0.5] | min -%}
            {%- set prior.converged = (new - prior.value) | abs < unified_segments.match_em_tolerance() * prior.value -%}
            {%- set prior.value = new -%}
            {%- set prior.iterations = iteration -%}
        {%- endfor -%}
        {%- set prior.source = 'build: EM over ' ~ candidate | sum(attribute='pairs') | int ~ ' candidate pairs' -%}
    {%- endif -%}

    {%- set weights = [] -%}
    {%- if prior.value is not none -%}
        {%- do weights.append({'comparison': 'prior', 'level': 'match', 'm': prior.value, 'u': 1 - prior.value, 'estimated_from': prior.source}) -%}
    {%- endif -%}
    {%- for field in observed -%}
        {%- for level in levels[field] -%}
            {%- do weights.append({'comparison': field, 'level': level, 'm': m[field][level], 'u': u[field][level],
                                   'estimated_from': source[field]}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return({'weights': weights, 'rules': report, 'prior_iterations': prior.iterations}) }}
{%- endmacro %}


{#- P(match | the pattern's levels on the used fields), given the prior odds. -#}
{% macro match_chance(levels, odds, m, u, used) -%}
    {%- set ratio = namespace(value=odds) -%}
    {%- for field in used if levels[field] != 'missing' -%}
        {%- set ratio.value = ratio.value * m[field][levels[field]] / u[field][levels[field]] -%}
    {%- endfor -%}
    {{ return(ratio.value / (1 + ratio.value)) }}
{%- endmacro %}


{#- The share of each level of one field over the patterns where it is not missing, each pattern
    counted with its pairs times its weight (its chance of being a match; none: 1), plus prior_pairs
    pairs spread as the prior shares say (none given: evenly, as add-one smoothing). -#}
{% macro match_level_shares(patterns, field, levels, weights, prior_pairs, prior_shares) -%}
    {%- set counts = {} -%}
    {%- for level in levels -%}
        {%- do counts.update({level: prior_pairs * prior_shares.get(level, 1.0)}) -%}
    {%- endfor -%}
    {%- for item in patterns -%}
        {%- set level = item.levels[field] -%}
        {%- if level != 'missing' -%}
            {%- do counts.update({level: counts[level] + item.pairs * (weights[loop.index0] if weights else 1.0)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set total = counts.values() | sum -%}
    {%- set shares = {} -%}
    {%- for level in levels -%}
        {%- do shares.update({level: counts[level] / total}) -%}
    {%- endfor -%}
    {{ return(shares) }}
{%- endmacro %}


{#- EM's start for a field: the seed's m where it has the level; otherwise most pairs of one person
    agree exactly, few differ outright, and the levels between share the rest. Sums to one. -#}
{% macro match_em_start(levels, seed_shares) -%}
    {%- set between = levels | reject('in', ['exact', 'different']) | list -%}
    {%- set shares = {} -%}
    {%- for level in levels -%}
        {%- set guess = 0.7 if level == 'exact' else 0.05 if level == 'different' else 0.25 / [between | length, 1] | max -%}
        {%- do shares.update({level: seed_shares.get(level, guess) if seed_shares else guess}) -%}
    {%- endfor -%}
    {%- set total = shares.values() | sum -%}
    {%- for level in levels -%}
        {%- do shares.update({level: shares[level] / total}) -%}
    {%- endfor -%}
    {{ return(shares) }}
{%- endmacro %}


{#- EM on one blocking rule's patterns: m of the used fields and the share of matches among the
    rule's pairs, u fixed; each new m also counts match_em_prior_pairs() pairs spread as start says.
    Returns {m, share, iterations}. -#}
{% macro match_em(patterns, used, levels, u, start) -%}
    {%- set state = namespace(m=start, share=0.5, iterations=0, converged=false) -%}
    {%- set total = patterns | sum(attribute='pairs') -%}
    {%- for iteration in range(1, unified_segments.match_em_max_iterations() + 1) if not state.converged -%}
        {%- set odds = state.share / (1 - state.share) -%}
        {%- set chances = [] -%}
        {%- for item in patterns -%}
            {%- do chances.append(unified_segments.match_chance(item.levels, odds, state.m, u, used)) -%}
        {%- endfor -%}
        {%- set matched = namespace(value=0.0) -%}
        {%- for item in patterns -%}
            {%- set matched.value = matched.value + chances[loop.index0] * item.pairs -%}
        {%- endfor -%}
        {%- set new_m = {} -%}
        {%- for field in used -%}
            {%- do new_m.update({field: unified_segments.match_level_shares(patterns, field, levels[field], chances,
                                                                             unified_segments.match_em_prior_pairs(), start[field])}) -%}
        {%- endfor -%}
        {%- set new_share = [[matched.value / total, 1e-12] | max, 1 - 1e-12] | min -%}
        {%- set change = namespace(value=(new_share - state.share) | abs) -%}
        {%- for field in used -%}
            {%- for level in levels[field] -%}
                {%- set change.value = [change.value, (new_m[field][level] - state.m[field][level]) | abs] | max -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set state.m = new_m -%}
        {%- set state.share = new_share -%}
        {%- set state.iterations = iteration -%}
        {%- set state.converged = change.value < unified_segments.match_em_tolerance() -%}
    {%- endfor -%}
    {{ return({'m': state.m, 'share': state.share, 'iterations': state.iterations}) }}
{%- endmacro %}


{#- dbt run-operation print_match_weights_estimate --args '{rows: [...], records: N}': the estimate
    of hand-made level patterns as JSON, with no seed to start from (tests; explaining a result). -#}
{% macro print_match_weights_estimate(rows, records) -%}
    {%- do print(tojson(unified_segments.estimate_match_weights(rows, records, []))) -%}
{%- endmacro %}
