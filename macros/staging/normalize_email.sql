{#- Email as an identifier: trimmed and lower-cased (mailbox names are case-insensitive in
    practice). No provider-specific rewriting (gmail dots, plus tags): that would merge addresses
    their owners keep apart. -#}
{% macro normalize_email(expr) -%}
    {{ return(adapter.dispatch('normalize_email', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__normalize_email(expr) -%}
    lower({{ unified_segments.clean_text(expr) }})
{%- endmacro %}


{#- True when a normalised email matches var unified_segments_email_pattern (by default the shape
    local@domain.tld: no spaces, one @, no empty or doubled dots, a top-level domain of two or more
    letters). Null for null input. -#}
{% macro is_valid_email(normalized_expr) -%}
    {{ return(adapter.dispatch('is_valid_email', 'unified_segments')(normalized_expr)) }}
{%- endmacro %}

{% macro default__is_valid_email(normalized_expr) -%}
    {{ unified_segments.regexp_matches(normalized_expr, unified_segments.required_var('unified_segments_email_pattern')) }}
{%- endmacro %}
