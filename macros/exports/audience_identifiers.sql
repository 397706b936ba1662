{#- Identifiers for ad platforms, each normalised the way its platform documents and hashed where
    it asks for a hash. Inputs are staged values: emails trimmed and lower-cased, phones E.164 (+
    and digits), names trimmed, postal codes trimmed and upper-case, countries ISO 3166-1 alpha-2.
      Google Customer Match (developers.google.com/google-ads/api/reference/rpc OfflineUserAddressInfo)
        email: gmail.com / googlemail.com lose the dots of the mailbox name; phone: E.164 with its +;
        first and last name: lower-case, no punctuation, spaces trimmed and runs of spaces made one;
        country and postal code: sent in clear (country upper-case, postal code as staged)
      Meta Custom Audiences (customer file guide, facebook-python-business-sdk normalize.py)
        email: as is; phone: digits only, country code first, no +;
        first and last name: lower-case, no punctuation, no spaces;
        zip: lower-case, no spaces or dashes; US: the first five digits; GB: outward code and sector
        (the postcode without its last two letters); country: lower-case
    A hash is the SHA-256 of the UTF-8 text as 64 lower-case hex digits. Null stays null. -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro postgres__sha256_hex(expr) -%}
    encode(sha256(convert_to({{ expr }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}


{#- The punctuation a name loses before hashing: . , - ( ) " and the apostrophe (chr(39), which
    no engine's string literal escapes the same way). -#}
{% macro without_name_punctuation(expr) -%}
    replace(translate({{ expr }}, '.,-()"', ''), chr(39), '')
{%- endmacro %}


{% macro google_email_sha256(email) -%}
    {{ unified_segments.sha256_hex(
        "case when " ~ dbt.split_part(email, "'@'", 2) ~ " in ('gmail.com', 'googlemail.com') then "
        ~ "replace(" ~ dbt.split_part(email, "'@'", 1) ~ ", '.', '') || '@' || " ~ dbt.split_part(email, "'@'", 2)
        ~ " else " ~ email ~ " end"
    ) }}
{%- endmacro %}


{% macro google_phone_sha256(phone) -%}
    {{ unified_segments.sha256_hex(phone) }}
{%- endmacro %}


{% macro google_name_sha256(name) -%}
    {{ unified_segments.sha256_hex(
        "nullif(trim(" ~ unified_segments.regexp_replace_all(
            unified_segments.without_name_punctuation("lower(" ~ name ~ ")"), " +", " "
        ) ~ "), '')"
    ) }}
{%- endmacro %}


{% macro meta_email_sha256(email) -%}
    {{ unified_segments.sha256_hex(email) }}
{%- endmacro %}


{% macro meta_phone_sha256(phone) -%}
    {{ unified_segments.sha256_hex("replace(" ~ phone ~ ", '+', '')") }}
{%- endmacro %}


{% macro meta_name_sha256(name) -%}
    {{ unified_segments.sha256_hex(
        "nullif(replace(" ~ unified_segments.without_name_punctuation("lower(" ~ name ~ ")") ~ ", ' ', ''), '')"
    ) }}
{%- endmacro %}


{% macro meta_zip_sha256(postal_code, country) -%}
    {%- set compact = "lower(replace(replace(" ~ postal_code ~ ", ' ', ''), '-', ''))" -%}
    {{ unified_segments.sha256_hex(
        "nullif(case when " ~ country ~ " = 'US' then substring(" ~ compact ~ ", 1, 5)"
        ~ " when " ~ country ~ " = 'GB' and length(" ~ compact ~ ") >= 5"
        ~ " then substring(" ~ compact ~ ", 1, length(" ~ compact ~ ") - 2)"
        ~ " else " ~ compact ~ " end, '')"
    ) }}
{%- endmacro %}


{% macro meta_country_sha256(country) -%}
    {{ unified_segments.sha256_hex("lower(" ~ country ~ ")") }}
{%- endmacro %}
