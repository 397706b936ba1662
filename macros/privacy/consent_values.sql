{#- Consent records as consent platforms export them, read into our terms. -#}

{#- Var unified_segments_consent_purposes ({purpose: [names]}) checked and turned round: {name: purpose},
    each name lower-case with spaces and hyphens as underscores, as consent_purpose matches it. -#}
{% macro consent_purpose_names() -%}
    {%- set purposes = var('unified_segments_consent_purposes') -%}
    {%- if purposes is not mapping or not purposes -%}
        {{ exceptions.raise_compiler_error(
            "var unified_segments_consent_purposes must map each purpose to the names consent platforms give it, not "
            ~ purposes) }}
    {%- endif -%}
    {%- set by_name = {} -%}
    {%- for purpose, names in purposes.items() -%}
        {%- if names is string or names is not iterable or not names -%}
            {{ exceptions.raise_compiler_error(
                "var unified_segments_consent_purposes: purpose " ~ purpose ~ " needs a list of names, not " ~ names) }}
        {%- endif -%}
        {%- for name in names -%}
            {%- set key = name | string | lower | replace(' ', '_') | replace('-', '_') -%}
            {%- if key in by_name and by_name[key] != purpose -%}
                {{ exceptions.raise_compiler_error(
                    "var unified_segments_consent_purposes: the name " ~ name ~ " is listed under both "
                    ~ by_name[key] ~ " and " ~ purpose) }}
            {%- endif -%}
            {%- do by_name.update({key: purpose}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(by_name) }}
{%- endmacro %}


{#- expr lower-case and trimmed, spaces and hyphens as underscores: how names and statuses are matched. -#}
{% macro consent_key(expr) -%}
    replace(replace(lower({{ unified_segments.clean_text(expr) }}), ' ', '_'), '-', '_')
{%- endmacro %}


{#- The purpose a raw purpose name stands for; null when the var lists no such name. -#}
{% macro consent_purpose(expr) -%}
    case {{ unified_segments.consent_key(expr) }}
        {%- for name, purpose in unified_segments.consent_purpose_names().items() %}
        when {{ unified_segments.string_literal(name) }} then '{{ purpose }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- granted or withdrawn from the spellings consent platforms and CSV exports use; else null. -#}
{% macro consent_status(expr) -%}
    case
        when {{ unified_segments.consent_key(expr) }} in (
            'granted', 'given', 'accepted', 'allowed', 'confirmed', 'opt_in', 'opted_in', 'optin', 'subscribed',
            'true', 't', 'yes', 'y', '1'
        ) then 'granted'
        when {{ unified_segments.consent_key(expr) }} in (
            'withdrawn', 'revoked', 'denied', 'rejected', 'declined', 'refused', 'opt_out', 'opted_out', 'optout',
            'unsubscribed', 'false', 'f', 'no', 'n', '0'
        ) then 'withdrawn'
    end
{%- endmacro %}
