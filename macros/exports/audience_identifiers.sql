{#- Hashed identifiers for ad platforms. Inputs are staged identifiers: emails already trimmed and
    lower-cased, phones already E.164 (+ and digits). Each platform's own rules then apply:
      Google Customer Match  email: gmail.com / googlemail.com lose the dots of the mailbox name;
                             phone: E.164 with the leading +
      Meta Custom Audiences  email: as is; phone: digits only, country code first, no +
    and the result is the SHA-256 of the UTF-8 text as 64 lower-case hex digits. Null stays null. -#}
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


{% macro meta_email_sha256(email) -%}
    {{ unified_segments.sha256_hex(email) }}
{%- endmacro %}


{% macro meta_phone_sha256(phone) -%}
    {{ unified_segments.sha256_hex("replace(" ~ phone ~ ", '+', '')") }}
{%- endmacro %}
