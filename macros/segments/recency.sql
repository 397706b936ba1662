{#- Recency helpers, all measured from the as-of date (var unified_segments_as_of_date), so a
    build at a given as-of date gives the same answer whatever day it runs. -#}

{#- Whole days from the date of expr to the as-of date (0 on the as-of date; null for null). -#}
{% macro days_since(expr) -%}
    {{ return(adapter.dispatch('days_since', 'unified_segments')(expr)) }}
{%- endmacro %}

{% macro default__days_since(expr) -%}
    {{ unified_segments.days_between(expr, unified_segments.as_of_date()) }}
{%- endmacro %}


{#- True when the timestamp expr lies within the `amount` `unit`s (day or hour) that end at the
    end of the as-of date; false when earlier, later, or null. -#}
{% macro is_within_last(expr, amount, unit='day') -%}
    {{ return(adapter.dispatch('is_within_last', 'unified_segments')(expr, amount, unit)) }}
{%- endmacro %}

{% macro default__is_within_last(expr, amount, unit='day') -%}
    {%- if unit not in ('day', 'hour') -%}
        {{ exceptions.raise_compiler_error("is_within_last(" ~ expr ~ "): unit must be 'day' or 'hour', got '" ~ unit ~ "'") }}
    {%- endif -%}
    coalesce(
        {{ expr }} >= {{ dbt.dateadd(unit, -1 * (amount | int), unified_segments.as_of_end()) }}
        and {{ expr }} < {{ unified_segments.as_of_end() }},
        false
    )
{%- endmacro %}


{#- Recency tier of a timestamp: days since it, bucketed by threshold_bucket. The default
    buckets: active (within 7 days), cooling (8-30), lapsed (31-90), dormant (over 90); never
    when the timestamp is null. -#}
{% macro recency_bucket(expr, thresholds=['>7', '>30', '>90'], labels=['active', 'cooling', 'lapsed', 'dormant'], null_label='never') -%}
    {{ return(adapter.dispatch('recency_bucket', 'unified_segments')(expr, thresholds, labels, null_label)) }}
{%- endmacro %}

{% macro default__recency_bucket(expr, thresholds, labels, null_label) -%}
    {{ unified_segments.threshold_bucket(unified_segments.days_since(expr), thresholds, labels, null_label) }}
{%- endmacro %}
