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
                       'name_low': ['first_name', 'last_name'], 'name_high': ['first_name', 'last_name']} -%}
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


{#- The comparison level of each match field for the pair of records aliased l and r (columns of
    int_match_records), as <field>_level, and <field>_frequency for fields with term frequencies
    (the share of records holding the agreed value, when the level is exact). When first_name and
    last_name are both name fields they are compared in the orientation that fits best, so swapped
    names count as the same names; names_swapped says when that was used. -#}
{% macro match_comparison_levels(l, r) -%}
    {%- set fields = unified_segments.match_fields() -%}
    {%- set names = fields | selectattr('comparison', 'equalto', 'name') | map(attribute='field') | list -%}
    {%- set swappable = 'first_name' in names and 'last_name' in names -%}
    {%- set right = {} -%}
    {%- for entry in fields -%}
        {%- do right.update({entry.field: r ~ '.' ~ entry.field, entry.field ~ '_soundex': r ~ '.' ~ entry.field ~ '_soundex'}) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- if swappable -%}
        {%- set straight = edit_distance(l ~ '.first_name', r ~ '.first_name') ~ ' + ' ~ edit_distance(l ~ '.last_name', r ~ '.last_name') -%}
        {%- set swapped = edit_distance(l ~ '.first_name', r ~ '.last_name') ~ ' + ' ~ edit_distance(l ~ '.last_name', r ~ '.first_name') -%}
        {%- set is_swapped = '(' ~ swapped ~ ') < (' ~ straight ~ ')' -%}
        {%- for column, other in [('first_name', 'last_name'), ('last_name', 'first_name'),
                                  ('first_name_soundex', 'last_name_soundex'), ('last_name_soundex', 'first_name_soundex')] -%}
            {%- do right.update({column: 'case when ' ~ is_swapped ~ ' then ' ~ r ~ '.' ~ other ~ ' else ' ~ r ~ '.' ~ column ~ ' end'}) -%}
        {%- endfor -%}
        {%- do columns.append('coalesce(' ~ is_swapped ~ ', false) as names_swapped') -%}
    {%- else -%}
        {%- do columns.append('false as names_swapped') -%}
    {%- endif -%}
    {%- for entry in fields -%}
        {%- do columns.append(unified_segments.match_level(entry, l, right) ~ ' as ' ~ entry.field ~ '_level') -%}
        {%- if entry.get('term_frequencies') -%}
            {%- do columns.append('case when ' ~ l ~ '.' ~ entry.field ~ ' = (' ~ right[entry.field] ~ ') then '
                ~ l ~ '.' ~ entry.field ~ '_frequency end as ' ~ entry.field ~ '_frequency') -%}
        {%- endif -%}
    {%- endfor %}
        {{ columns | join(',\n        ') }}
{%- endmacro %}


{#- One field's level, by its comparison type (match_comparison_types); right maps the field (and
    its soundex key) to the right-hand expression. -#}
{% macro match_level(entry, l, right) -%}
    {%- set left = l ~ '.' ~ entry.field -%}
    {%- set other = '(' ~ right[entry.field] ~ ')' -%}
    case
        when {{ left }} is null or {{ other }} is null then 'missing'
        when {{ left }} = {{ other }} then 'exact'
    {%- if entry.comparison == 'name' %}
        when {{ edit_distance(left, other) }} <= 1 then 'typo'
        when {{ edit_distance(left, other) }} <= 2 and length({{ left }}) >= 5 then 'two_typos'
        when {{ left }} = substr({{ other }}, 1, length({{ left }})) or {{ other }} = substr({{ left }}, 1, length({{ other }}))
            then 'prefix'
        when {{ left }}_soundex = ({{ right[entry.field ~ '_soundex'] }}) then 'sounds_alike'
    {%- elif entry.comparison == 'date' %}
        {%- set edits = edit_distance('cast(' ~ left ~ ' as ' ~ dbt.type_string() ~ ')', 'cast(' ~ other ~ ' as ' ~ dbt.type_string() ~ ')') %}
        when extract(year from {{ left }}) = extract(year from {{ other }})
            and extract(month from {{ left }}) = extract(day from {{ other }})
            and extract(day from {{ left }}) = extract(month from {{ other }}) then 'month_day_swapped'
        when {{ edits }} <= 1 then 'typo'
        when {{ edits }} <= 2 then 'two_typos'
        when {{ dbt.datediff(left, other, 'day') }} between -365 and 365 then 'within_year'
    {%- elif entry.comparison == 'code' %}
        when {{ edit_distance(left, other) }} <= 1 then 'typo'
        when {{ edit_distance(left, other) }} <= 2 then 'two_typos'
    {%- elif entry.comparison == 'text' %}
        when {{ edit_distance(left, other) }} <= 2 then 'typo'
        when {{ edit_distance(left, other) }} * 3 <= greatest(length({{ left }}), length({{ other }})) then 'similar'
    {%- endif %}
        else 'different'
    end
{%- endmacro %}
