{#- Probabilistic matching: the fields compared (var unified_segments_match_fields), their
    comparison levels and the blocking rules (var unified_segments_match_blocking_rules), the same
    SQL on every engine. -#}

{#- Levenshtein distance. DuckDB and Spark have it built in; PostgreSQL takes it from the
    fuzzystrmatch extension (created by on-run-start, create_safe_cast_functions). Jaro-Winkler is
    DuckDB-only, so the levels below use edit distance and a phonetic key everywhere and engines
    agree. -#}
{% macro edit_distance(left, right) -%}
    {{ return(adapter.dispatch('edit_distance', 'unified_segments')(left, right)) }}
{%- endmacro %}

{% macro default__edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}


{#- American Soundex of a lower-case, letters-only name ('robert' and 'rupert' -> 'r163'), in
    plain SQL so every engine gives the same key (no engine's own soundex is used: DuckDB has
    none). Letters become digit classes (vowels 0, h and w dropped after the first letter), runs
    of one digit collapse to one (a vowel between keeps both), the first letter's digit and the
    vowels go, and the first letter and three digits remain, padded with zeros. -#}
{% macro soundex(name) -%}
    {%- set letters = "substr(" ~ name ~ ", 1, 1) || " ~ unified_segments.regexp_replace_all('substr(' ~ name ~ ', 2)', '[hw]', '') -%}
    {%- set ns = namespace(digits="translate(" ~ letters ~ ", 'abcdefghijklmnopqrstuvwxyz', '01230129022455012623019202')") -%}
    {%- for digit in '0123456' -%}
        {%- set ns.digits = unified_segments.regexp_replace_all(ns.digits, digit ~ '+', digit) -%}
    {%- endfor -%}
    case when {{ name }} is not null then
        substr({{ name }}, 1, 1)
        || substr({{ unified_segments.regexp_replace_all('substr(' ~ ns.digits ~ ', 2)', '[09]', '') }} || '000', 1, 3)
    end
{%- endmacro %}


{#- The comparison types a match field can have, each with its levels from the strongest evidence
    of one person to the weakest. A pair with either side null is at level 'missing', which
    carries no weight and is not listed. -#}
{% macro match_comparison_types() -%}
    {{ return({
        'name': ['exact', 'typo', 'two_typos', 'prefix', 'sounds_alike', 'different'],
        'date': ['exact', 'month_day_swapped', 'typo', 'two_typos', 'within_year', 'different'],
        'code': ['exact', 'typo', 'two_typos', 'different'],
        'text': ['exact', 'typo', 'similar', 'different'],
        'exact': ['exact', 'different'],
    }) }}
{%- endmacro %}


{#- var unified_segments_match_fields, checked at compile time: each entry names a field (a
    column of stg_crm__contacts), its comparison type and whether exact agreement is weighed by
    how common the value is (term_frequencies). -#}
{% macro match_fields() -%}
    {%- set var_name = 'unified_segments_match_fields' -%}
    {%- set types = unified_segments.match_comparison_types() -%}
    {%- set fields = unified_segments.required_var(var_name) -%}
    {%- set seen = [] -%}
    {%- for entry in fields -%}
        {%- if entry is not mapping or not entry.get('field') or entry.get('comparison') not in types -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": entry " ~ loop.index ~ " needs a field and a comparison (one of "
                ~ types.keys() | join(', ') ~ "), got " ~ entry) }}
        {%- endif -%}
        {%- for key in entry if key not in ['field', 'comparison', 'term_frequencies'] -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": field '" ~ entry.field ~ "' has unknown key '" ~ key
                ~ "' (keys: field, comparison, term_frequencies)") }}
        {%- endfor -%}
        {%- if entry.field in seen -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": field '" ~ entry.field ~ "' is listed twice") }}
        {%- endif -%}
        {%- do seen.append(entry.field) -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}


{#- The contact fields int_match_records always holds, normalised for comparison. -#}
{% macro match_normalised_fields() -%}
    {{ return(['first_name', 'last_name', 'birth_date', 'postal_code', 'address_line', 'city']) }}
{%- endmacro %}


{#- The columns of int_match_records a blocking rule may use, each with the fields it is derived
    from: a rule on them holds those fields fixed when weights are estimated. -#}
{% macro match_blocking_columns() -%}
    {%- set columns = {'birth_year': ['birth_date'], 'last_name_prefix': ['last_name'],
                       'first_name_initial': ['first_name'], 'name_low': ['first_name', 'last_name'], 'name_high': ['first_name', 'last_name']} -%}
    {%- for field in unified_segments.match_normalised_fields() -%}
        {%- do columns.update({field: [field]}) -%}
    {%- endfor -%}
    {%- for entry in unified_segments.match_fields() -%}
        {%- do columns.update({entry.field: [entry.field]}) -%}
        {%- if entry.comparison == 'name' -%}
            {%- do columns.update({entry.field ~ '_soundex': [entry.field]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- var unified_segments_match_blocking_rules, checked: every rule has a name (letters, digits and
    underscores) and columns of int_match_records. -#}
{% macro match_blocking_rules() -%}
    {%- set var_name = 'unified_segments_match_blocking_rules' -%}
    {%- set allowed = unified_segments.match_blocking_columns() -%}
    {%- set rules = unified_segments.required_var(var_name) -%}
    {%- for rule in rules -%}
        {%- if rule is not mapping or not rule.get('name') or not rule.get('columns')
            or modules.re.fullmatch('[a-z0-9_]+', rule.name | string) is none -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": rule " ~ loop.index
                ~ " needs a name (lower-case letters, digits, underscores) and a list of columns, got " ~ rule) }}
        {%- endif -%}
        {%- for column in rule.columns if column not in allowed -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": rule '" ~ rule.name
                ~ "' uses unknown column '" ~ column ~ "'; columns of int_match_records: " ~ allowed.keys() | sort | join(', ')) }}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}


{#- The match fields a blocking rule holds fixed (comma-separated, in field order). -#}
{% macro match_rule_fixed_fields(rule) -%}
    {%- set columns = unified_segments.match_blocking_columns() -%}
    {%- set fixed = [] -%}
    {%- for column in rule.columns -%}
        {%- do fixed.extend(columns[column]) -%}
    {%- endfor -%}
    {{ return(unified_segments.match_fields() | map(attribute='field') | select('in', fixed) | join(',')) }}
{%- endmacro %}


{#- Whether first_name and last_name are both name fields, so a pair is compared in the
    orientation that fits best (swapped names count as the same names). -#}
{% macro match_names_swappable() -%}
    {%- set names = unified_segments.match_fields() | selectattr('comparison', 'equalto', 'name') | map(attribute='field') | list -%}
    {{ return('first_name' in names and 'last_name' in names) }}
{%- endmacro %}


{#- Edit distance of two values, 0 when they are equal (the distance is not computed then). -#}
{% macro match_edits(left, right) -%}
    case when {{ left }} = {{ right }} then 0 else {{ unified_segments.edit_distance(left, right) }} end
{%- endmacro %}


{#- What comparing two records aliased l and r (rows of int_match_records) needs, each costly
    part computed once: every match field's value on both sides (<field>_a, <field>_b), a name's
    soundex keys, the first record's value frequency for fields with term frequencies
    (<field>_frequency_a) and the edit distance of the values for the comparison types that grade
    by it (<field>_edits); when names may be swapped, also the distances across
    (first_name_swapped_edits: the first's first name to the second's last name, and
    last_name_swapped_edits). match_comparison_levels grades these columns. -#}
{% macro match_comparison_inputs(l, r) -%}
    {%- set columns = [] -%}
    {%- for entry in unified_segments.match_fields() -%}
        {%- set field = entry.field -%}
        {%- do columns.append(l ~ '.' ~ field ~ ' as ' ~ field ~ '_a') -%}
        {%- do columns.append(r ~ '.' ~ field ~ ' as ' ~ field ~ '_b') -%}
        {%- if entry.comparison == 'name' -%}
            {%- do columns.append(l ~ '.' ~ field ~ '_soundex as ' ~ field ~ '_soundex_a') -%}
            {%- do columns.append(r ~ '.' ~ field ~ '_soundex as ' ~ field ~ '_soundex_b') -%}
        {%- endif -%}
        {%- if entry.get('term_frequencies') -%}
            {%- do columns.append(l ~ '.' ~ field ~ '_frequency as ' ~ field ~ '_frequency_a') -%}
        {%- endif -%}
        {%- if entry.comparison in ['name', 'code', 'text'] -%}
            {%- do columns.append(unified_segments.match_edits(l ~ '.' ~ field, r ~ '.' ~ field) ~ ' as ' ~ field ~ '_edits') -%}
        {%- elif entry.comparison == 'date' -%}
            {%- do columns.append(unified_segments.match_edits('cast(' ~ l ~ '.' ~ field ~ ' as ' ~ dbt.type_string() ~ ')',
                'cast(' ~ r ~ '.' ~ field ~ ' as ' ~ dbt.type_string() ~ ')') ~ ' as ' ~ field ~ '_edits') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if unified_segments.match_names_swappable() -%}
        {%- do columns.append(unified_segments.match_edits(l ~ '.first_name', r ~ '.last_name') ~ ' as first_name_swapped_edits') -%}
        {%- do columns.append(unified_segments.match_edits(l ~ '.last_name', r ~ '.first_name') ~ ' as last_name_swapped_edits') -%}
    {%- endif %}
        {{ columns | join(',\n        ') }}
{%- endmacro %}


{#- The comparison level of each match field, from the columns of match_comparison_inputs, as
    <field>_level, and <field>_frequency for fields with term frequencies (the share of records
    holding the agreed value, when the level is exact). When names may be swapped
    (match_names_swappable) the second record's names are taken swapped where that makes them
    closer; names_swapped says when. -#}
{% macro match_comparison_levels() -%}
    {%- set fields = unified_segments.match_fields() -%}
    {%- set right = {} -%}
    {%- for entry in fields -%}
        {%- do right.update({entry.field: entry.field ~ '_b', entry.field ~ '_soundex': entry.field ~ '_soundex_b',
            entry.field ~ '_edits': entry.field ~ '_edits'}) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- if unified_segments.match_names_swappable() -%}
        {%- set is_swapped = '(first_name_swapped_edits + last_name_swapped_edits) < (first_name_edits + last_name_edits)' -%}
        {%- for column, other in [('first_name', 'last_name'), ('last_name', 'first_name')] -%}
            {%- do right.update({
                column: 'case when ' ~ is_swapped ~ ' then ' ~ other ~ '_b else ' ~ column ~ '_b end',
                column ~ '_soundex': 'case when ' ~ is_swapped ~ ' then ' ~ other ~ '_soundex_b else ' ~ column ~ '_soundex_b end',
                column ~ '_edits': 'case when ' ~ is_swapped ~ ' then ' ~ column ~ '_swapped_edits else ' ~ column ~ '_edits end',
            }) -%}
        {%- endfor -%}
        {%- do columns.append('coalesce(' ~ is_swapped ~ ', false) as names_swapped') -%}
    {%- else -%}
        {%- do columns.append('false as names_swapped') -%}
    {%- endif -%}
    {%- for entry in fields -%}
        {%- do columns.append(unified_segments.match_level(entry, right) ~ ' as ' ~ entry.field ~ '_level') -%}
        {%- if entry.get('term_frequencies') -%}
            {%- do columns.append('case when ' ~ entry.field ~ '_a = (' ~ right[entry.field] ~ ') then '
                ~ entry.field ~ '_frequency_a end as ' ~ entry.field ~ '_frequency') -%}
        {%- endif -%}
    {%- endfor %}
        {{ columns | join(',\n        ') }}
{%- endmacro %}


{#- One field's level, by its comparison type (match_comparison_types); right maps the field, its
    soundex key and its edit distance to the second record's (aligned) expressions. -#}
{% macro match_level(entry, right) -%}
    {%- set left = entry.field ~ '_a' -%}
    {%- set other = '(' ~ right[entry.field] ~ ')' -%}
    {%- set edits = '(' ~ right[entry.field ~ '_edits'] ~ ')' -%}
    case
        when {{ left }} is null or {{ other }} is null then 'missing'
        when {{ left }} = {{ other }} then 'exact'
    {%- if entry.comparison == 'name' %}
        when {{ edits }} <= 1 then 'typo'
        when {{ edits }} <= 2 and length({{ left }}) >= 5 then 'two_typos'
        when {{ left }} = substr({{ other }}, 1, length({{ left }})) or {{ other }} = substr({{ left }}, 1, length({{ other }}))
            then 'prefix'
        when {{ entry.field }}_soundex_a = ({{ right[entry.field ~ '_soundex'] }}) then 'sounds_alike'
    {%- elif entry.comparison == 'date' %}
        when extract(year from {{ left }}) = extract(year from {{ other }})
            and extract(month from {{ left }}) = extract(day from {{ other }})
            and extract(day from {{ left }}) = extract(month from {{ other }}) then 'month_day_swapped'
        when {{ edits }} <= 1 then 'typo'
        when {{ edits }} <= 2 then 'two_typos'
        when {{ dbt.datediff(left, other, 'day') }} between -365 and 365 then 'within_year'
    {%- elif entry.comparison == 'code' %}
        when {{ edits }} <= 1 then 'typo'
        when {{ edits }} <= 2 then 'two_typos'
    {%- elif entry.comparison == 'text' %}
        when {{ edits }} <= 2 then 'typo'
        when {{ edits }} * 3 <= greatest(length({{ left }}), length({{ other }})) then 'similar'
    {%- endif %}
        else 'different'
    end
{%- endmacro %}
