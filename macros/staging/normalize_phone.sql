{#- Phone numbers to E.164 (+<country code><national number>), from the ways people write them:
      +44 7911 123456   0044 7911 123456   +44 (0)7911 123456   07911 123456   (415) 555-0123
    A number written without an international prefix takes the country of country_expr (an ISO
    alpha-2 column, when the row has one) or else var unified_segments_default_phone_country.
    Returns null for blank input; validity is a separate check (is_valid_e164), so text that is no
    phone number at all ('call me') becomes a quarantine reason, not a silent null. -#}

{#- country: (calling code, trunk prefix dialled before national numbers, '' where none) -#}
{% macro phone_countries() -%}
{{ return({
    'GB': ('44', '0'), 'IE': ('353', '0'), 'US': ('1', ''), 'CA': ('1', ''),
    'FR': ('33', '0'), 'DE': ('49', '0'), 'NL': ('31', '0'), 'BE': ('32', '0'),
    'CH': ('41', '0'), 'AT': ('43', '0'), 'SE': ('46', '0'), 'FI': ('358', '0'),
    'AU': ('61', '0'), 'NZ': ('64', '0'), 'IN': ('91', '0'), 'ES': ('34', ''),
    'IT': ('39', ''), 'PT': ('351', ''), 'DK': ('45', ''), 'NO': ('47', ''),
    'PL': ('48', '')
}) }}
{%- endmacro %}

{% macro normalize_phone(expr, country_expr=none) -%}
    {{ return(adapter.dispatch('normalize_phone', 'unified_segments')(expr, country_expr)) }}
{%- endmacro %}

{% macro default__normalize_phone(expr, country_expr=none) -%}
    {%- set phone_countries = unified_segments.phone_countries() -%}
    {%- set default_country = unified_segments.required_var('unified_segments_default_phone_country') | upper -%}
    {%- if default_country not in phone_countries -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_default_phone_country is '" ~ default_country ~ "', which is not in the "
            ~ "phone country map (macros/staging/normalize_phone.sql); use one of "
            ~ (phone_countries.keys() | sort | join(', '))) }}
    {%- endif -%}
    {%- set country = "upper(trim(" ~ country_expr ~ "))" if country_expr else none -%}
    {#- Drop an extension ("x12", "ext. 12") and the "(0)" of "+44 (0)20 ...", then keep digits. -#}
    {%- set without_extension = unified_segments.regexp_replace_all("lower(trim(" ~ expr ~ "))", ' *(ext[.]?|x|#) *[0-9]+$', '') -%}
    {%- set written = unified_segments.regexp_replace_all(without_extension, '[(]0[)]', '') -%}
    {%- set digits = unified_segments.regexp_replace_all(written, '[^0-9]', '') -%}
    {%- set code -%}
        {%- if country -%}
        case {{ country }}
            {%- for iso, spec in phone_countries.items() %} when '{{ iso }}' then '{{ spec[0] }}'{% endfor %}
            else '{{ phone_countries[default_country][0] }}'
        end
        {%- else -%}
        '{{ phone_countries[default_country][0] }}'
        {%- endif -%}
    {%- endset -%}
    {%- set has_trunk -%}
        {%- if country -%}
        (case {{ country }}
            {%- for iso, spec in phone_countries.items() if spec[1] %} when '{{ iso }}' then true{% endfor %}
            {%- for iso, spec in phone_countries.items() if not spec[1] %} when '{{ iso }}' then false{% endfor %}
            else {{ 'true' if phone_countries[default_country][1] else 'false' }}
        end)
        {%- else -%}
        {{ 'true' if phone_countries[default_country][1] else 'false' }}
        {%- endif -%}
    {%- endset -%}
    case
        when {{ unified_segments.clean_text(expr) }} is null then null
        when {{ digits }} = '' then null
        when trim({{ written }}) like '+%' then '+' || {{ digits }}
        when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
        when {{ has_trunk }} and {{ digits }} like '0%' then '+' || {{ code }} || substr({{ digits }}, 2)
        when {{ code }} = '1' and length({{ digits }}) = 11 and {{ digits }} like '1%' then '+' || {{ digits }}
        else '+' || {{ code }} || {{ digits }}
    end
{%- endmacro %}


{#- E.164: a plus, a non-zero first digit, 8 to 15 digits in all. -#}
{% macro is_valid_e164(normalized_expr) -%}
    {{ return(adapter.dispatch('is_valid_e164', 'unified_segments')(normalized_expr)) }}
{%- endmacro %}

{% macro default__is_valid_e164(normalized_expr) -%}
    {{ unified_segments.regexp_matches(normalized_expr, '^[+][1-9][0-9]{7,14}$') }}
{%- endmacro %}
