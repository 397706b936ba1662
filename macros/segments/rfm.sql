{#- RFM quintile score, 1 to 5, of expr among the rows of the query (a window function).
    Ties get the same score (rank, not row number), so the score never depends on row order:
    score = 1 + floor(5 * (rank - 1) / rows). With higher_is_better false (recency in days), the
    smallest values score 5. Null values are ranked last; filter them out first. -#}
{% macro rfm_score(expr, higher_is_better=true) -%}
    {{ return(adapter.dispatch('rfm_score', 'unified_segments')(expr, higher_is_better)) }}
{%- endmacro %}

{% macro default__rfm_score(expr, higher_is_better=true) -%}
    cast(
        1 + floor(
            5 * (rank() over (order by {{ expr }} {{ 'asc' if higher_is_better else 'desc' }}) - 1)
            / count(*) over ()
        ) as integer
    )
{%- endmacro %}
