{#- Phone numbers to E.164 (+<country code><national number>), from the ways people write them:
      +44 7911 123456   0044 7911 123456   +44 (0)7911 123456   07911 123456   (415) 555-0123
    A number written with an international prefix (+ or 00) keeps its own country code. A national
    number takes the calling code of country_expr (an ISO alpha-2 column) when the row has one, or
    else of var unified_segments_default_phone_country, and loses its trunk prefix (the 0 of
    07911, the 8 of Russia's 8 912 ...). Calling codes, trunk prefixes and valid lengths cover every
    region: macros/staging/phone_countries.sql, generated from libphonenumber's metadata by
    scripts/generate_phone_countries.py. A national number whose country is unknown (a country
    the metadata has no region for, or no country and no default) is null: it never gets another
    country's code (phone_country_unknown tells that case apart). Returns null for blank input;
    validity is a separate check (is_valid_e164), so text that is no phone number ('call me') is a
    field issue, not a silent null. -#}

{% macro normalize_phone(expr, country_expr=none) -%}
    {{ return(adapter.dispatch('normalize_phone', 'unified_segments')(expr, country_expr)) }}
{%- endmacro %}

{% macro default__normalize_phone(expr, country_expr=none) -%}
    {%- set regions = unified_segments.phone_countries() -%}
    {%- set digits = unified_segments.phone_digits(expr) -%}
    {%- set code = unified_segments.phone_country_code(country_expr) -%}
    {%- set default = unified_segments.default_phone_country() -%}
    {#- The trunk prefix a national number drops: the row's country's, or the default's. -#}
    {%- set trunk -%}
        {%- if country_expr -%}
        case
            when {{ unified_segments.clean_text(country_expr) }} is null then '{{ regions[default][1] if default else '' }}'
            {%- for trunk_prefix, group in regions.items() | selectattr('1.1') | groupby('1.1') %}
            when upper(trim({{ country_expr }})) in ('{{ group | map(attribute='0') | join("', '") }}') then '{{ trunk_prefix }}'
            {%- endfor %}
            else ''
        end
        {%- else -%}
        '{{ regions[default][1] if default else '' }}'
        {%- endif -%}
    {%- endset -%}
    case
        when {{ unified_segments.clean_text(expr) }} is null then null
        when {{ digits }} = '' then null
        when {{ unified_segments.phone_is_international(expr) }} then '+' || (
            case when {{ digits }} like '00%' and trim({{ unified_segments.phone_written(expr) }}) not like '+%'
                then substr({{ digits }}, 3) else {{ digits }} end
        )
        when ({{ trunk }}) != '' and substr({{ digits }}, 1, length({{ trunk }})) = ({{ trunk }})
            then '+' || {{ code }} || substr({{ digits }}, length({{ trunk }}) + 1)
        else '+' || {{ code }} || {{ digits }}
    end
{%- endmacro %}


{#- The var unified_segments_default_phone_country, upper-cased and checked against the metadata;
    none when the var is null (then a national number without a country is unknown). -#}
{% macro default_phone_country() -%}
    {%- set default = var('unified_segments_default_phone_country', none) -%}
    {%- if default is none or default | trim == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set default = default | trim | upper -%}
    {%- if default not in unified_segments.phone_countries() -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_default_phone_country is '" ~ default ~ "', which is no ISO 3166 region "
            ~ "libphonenumber knows (macros/staging/phone_countries.sql); use e.g. GB, US, DE, BR, or null") }}
    {%- endif -%}
    {{ return(default) }}
{%- endmacro %}


{#- The text with an extension ("x12", "ext. 12") and the "(0)" of "+44 (0)20 ..." removed. -#}
{% macro phone_written(expr) -%}
    {%- set without_extension = unified_segments.regexp_replace_all("lower(trim(" ~ expr ~ "))", ' *(ext[.]?|x|#) *[0-9]+$', '') -%}
    {{ unified_segments.regexp_replace_all(without_extension, '[(]0[)]', '') }}
{%- endmacro %}

{% macro phone_digits(expr) -%}
    {{ unified_segments.regexp_replace_all(unified_segments.phone_written(expr), '[^0-9]', '') }}
{%- endmacro %}

{#- Written with + or 00: the number carries its own country code. -#}
{% macro phone_is_international(expr) -%}
    (trim({{ unified_segments.phone_written(expr) }}) like '+%' or {{ unified_segments.phone_digits(expr) }} like '00%')
{%- endmacro %}

{#- The calling code a national number takes: the row's country's, or (no country on the row) the
    default country's; null when the country is unknown. -#}
{% macro phone_country_code(country_expr=none) -%}
    {%- set regions = unified_segments.phone_countries() -%}
    {%- set default = unified_segments.default_phone_country() -%}
    {%- set default_code = "'" ~ regions[default][0] ~ "'" if default else 'null' -%}
    {%- if country_expr -%}
    case
        when {{ unified_segments.clean_text(country_expr) }} is null then {{ default_code }}
        {%- for calling_code, group in regions.items() | groupby('1.0') %}
        when upper(trim({{ country_expr }})) in ('{{ group | map(attribute='0') | join("', '") }}') then '{{ calling_code }}'
        {%- endfor %}
    end
    {%- else -%}
    {{ default_code }}
    {%- endif -%}
{%- endmacro %}


{#- The field-issue condition: a national number whose country is unknown (see normalize_phone). -#}
{% macro phone_country_unknown(expr, country_expr=none) -%}
    {{ unified_segments.clean_text(expr) }} is not null
    and {{ unified_segments.phone_digits(expr) }} != ''
    and not {{ unified_segments.phone_is_international(expr) }}
    and ({{ unified_segments.phone_country_code(country_expr) }}) is null
{%- endmacro %}


{#- E.164 that can be a real number: a plus, a calling code that exists, and a national significant
    number of a length valid for it (libphonenumber's possible lengths). Null for null input. -#}
{% macro is_valid_e164(normalized_expr) -%}
    {{ return(adapter.dispatch('is_valid_e164', 'unified_segments')(normalized_expr)) }}
{%- endmacro %}

{% macro default__is_valid_e164(normalized_expr) -%}
    {#- One regular expression, so the expression is read once (PostgreSQL evaluates every copy of
        an inlined expression): per calling code, the code and its national lengths. -#}
    {%- set alternatives = [] -%}
    {%- for code, lengths in unified_segments.phone_calling_codes().items() -%}
        {%- do alternatives.append(code ~ '([0-9]{' ~ (lengths | join('}|[0-9]{')) ~ '})') -%}
    {%- endfor -%}
    {{ unified_segments.regexp_matches(normalized_expr, '^[+](' ~ (alternatives | join('|')) ~ ')$') }}
{%- endmacro %}
