{#- Regular expressions differ by engine in name and flags. Patterns passed here stay inside the
    subset RE2 (DuckDB), POSIX ARE (PostgreSQL) and Java (Spark) agree on: no backslashes
    (Spark string literals eat them), [0-9] rather than \d, [.] rather than \.  -#}

{% macro regexp_matches(expr, pattern) -%}
    {{ return(unified_segments.regexp_matches_expr(expr, "'" ~ pattern ~ "'")) }}
{%- endmacro %}

{#- The same, with the pattern given as a SQL expression (a column of patterns, say). -#}
{% macro regexp_matches_expr(expr, pattern_expr) -%}
    {{ return(adapter.dispatch('regexp_matches_expr', 'unified_segments')(expr, pattern_expr)) }}
{%- endmacro %}

{% macro default__regexp_matches_expr(expr, pattern_expr) -%}
    regexp_matches({{ expr }}, {{ pattern_expr }})
{%- endmacro %}

{% macro postgres__regexp_matches_expr(expr, pattern_expr) -%}
    ({{ expr }} ~ {{ pattern_expr }})
{%- endmacro %}

{% macro spark__regexp_matches_expr(expr, pattern_expr) -%}
    ({{ expr }} rlike {{ pattern_expr }})
{%- endmacro %}


{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'unified_segments')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark replaces every match by default and takes no flags argument. -#}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}
