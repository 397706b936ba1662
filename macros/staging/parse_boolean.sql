{#- Reads the spellings CRMs and CSV exports use for yes/no; anything else is null, and the
    caller decides whether that is a quarantine reason. -#}
{% macro parse_boolean(expr) -%}
    {{ return(adapter.dispatch('parse_boolean', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__parse_boolean(expr) -%}
    case
        when lower(trim({{ expr }})) in ('true', 't', 'yes', 'y', '1') then true
        when lower(trim({{ expr }})) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}
