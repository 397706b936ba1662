{#- Probabilistic matching: record fields compared at levels, the same on every engine. -#}

{#- Levenshtein distance. DuckDB and Spark have it built in; PostgreSQL takes it from the
    fuzzystrmatch extension (created by on-run-start, create_safe_cast_functions). Jaro-Winkler is
    DuckDB-only, so the levels below use edit distance everywhere and engines agree. -#}
{% macro edit_distance(left, right) -%}
    {{ return(adapter.dispatch('edit_distance', 'unified_segments')(left, right)) }}
{%- endmacro %}

{% macro default__edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}


{#- The comparison level of each field for the pair of records aliased l and r (columns of
    int_match_records). Names are compared in the orientation that fits best, so swapped first
    and last names count as the same names; names_swapped says when that was used. Every level
    but 'missing' carries a weight in seeds/match_weights.csv. -#}
{% macro match_comparison_levels(l, r) -%}
    {%- set straight = edit_distance(l ~ '.first_name', r ~ '.first_name') ~ ' + ' ~ edit_distance(l ~ '.last_name', r ~ '.last_name') -%}
    {%- set swapped = edit_distance(l ~ '.first_name', r ~ '.last_name') ~ ' + ' ~ edit_distance(l ~ '.last_name', r ~ '.first_name') -%}
    {%- set is_swapped = '(' ~ swapped ~ ') < (' ~ straight ~ ')' -%}
    {%- set r_first = 'case when ' ~ is_swapped ~ ' then ' ~ r ~ '.last_name else ' ~ r ~ '.first_name end' -%}
    {%- set r_last = 'case when ' ~ is_swapped ~ ' then ' ~ r ~ '.first_name else ' ~ r ~ '.last_name end' -%}
        coalesce({{ is_swapped }}, false) as names_swapped,
        {{ unified_segments.name_level(l ~ '.first_name', r_first) }} as first_name_level,
        {{ unified_segments.name_level(l ~ '.last_name', r_last) }} as last_name_level,
        case
            when {{ l }}.birth_date is null or {{ r }}.birth_date is null then 'missing'
            when {{ l }}.birth_date = {{ r }}.birth_date then 'exact'
            when {{ edit_distance(l ~ '.birth_date_text', r ~ '.birth_date_text') }} <= 2 then 'typo'
            else 'different'
        end as birth_date_level,
        case
            when {{ l }}.postal_code is null or {{ r }}.postal_code is null then 'missing'
            when {{ l }}.postal_code = {{ r }}.postal_code then 'exact'
            when {{ edit_distance(l ~ '.postal_code', r ~ '.postal_code') }} <= 1 then 'typo'
            else 'different'
        end as postal_code_level,
        case
            when {{ l }}.address_line is null or {{ r }}.address_line is null then 'missing'
            when {{ l }}.address_line = {{ r }}.address_line then 'exact'
            when {{ edit_distance(l ~ '.address_line', r ~ '.address_line') }} <= 2 then 'typo'
            else 'different'
        end as address_line_level,
        case
            when {{ l }}.city is null or {{ r }}.city is null then 'missing'
            when {{ l }}.city = {{ r }}.city then 'exact'
            else 'different'
        end as city_level
{%- endmacro %}

{% macro name_level(left, right) -%}
    case
        when {{ left }} is null or ({{ right }}) is null then 'missing'
        when {{ left }} = ({{ right }}) then 'exact'
        when {{ edit_distance(left, right) }} <= 1 then 'typo'
        when {{ edit_distance(left, right) }} <= 2 and length({{ left }}) >= 5 then 'typo'
        when {{ left }} = substr(({{ right }}), 1, length({{ left }})) or ({{ right }}) = substr({{ left }}, 1, length({{ right }}))
            then 'prefix'
        else 'different'
    end
{%- endmacro %}


{#- The fields compared, in the order of the level columns above (the weights seed and the
    evidence text use these names). -#}
{% macro match_fields() -%}
    {{ return(['first_name', 'last_name', 'birth_date', 'postal_code', 'address_line', 'city']) }}
{%- endmacro %}


{#- var unified_segments_match_blocking_rules, checked: every rule has a name and columns of
    int_match_records. -#}
{% macro match_blocking_rules() -%}
    {%- set allowed = ['first_name', 'last_name', 'birth_date', 'postal_code', 'address_line', 'city',
                       'birth_year', 'last_name_prefix', 'name_low', 'name_high'] -%}
    {%- set rules = unified_segments.required_var('unified_segments_match_blocking_rules') -%}
    {%- for rule in rules -%}
        {%- if rule is not mapping or not rule.get('name') or not rule.get('columns') -%}
            {{ exceptions.raise_compiler_error("var unified_segments_match_blocking_rules: rule " ~ loop.index
                ~ " needs a name and a list of columns, got " ~ rule) }}
        {%- endif -%}
        {%- for column in rule.columns if column not in allowed -%}
            {{ exceptions.raise_compiler_error("var unified_segments_match_blocking_rules: rule '" ~ rule.name
                ~ "' uses unknown column '" ~ column ~ "'; columns of int_match_records: " ~ allowed | join(', ')) }}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
