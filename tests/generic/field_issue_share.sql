{#- The share of a base staging model's staged rows whose value of a column staging had to null
    (its *_issue columns, see validated_fields), per column, in basis points. One row per column
    with issues; fail_calc takes the largest share, graded by the vars
    unified_segments_field_issue_warn_percent and _error_percent: a few bad values are the data,
    a column that is mostly bad is a mapping mistake worth stopping for. -#}
{% test field_issue_share(model) %}
{{ config(
    fail_calc='coalesce(max(share_basis_points), 0)',
    warn_if='>' ~ (unified_segments.required_var('unified_segments_field_issue_warn_percent') * 100) | int,
    error_if='>' ~ (unified_segments.required_var('unified_segments_field_issue_error_percent') * 100) | int
) }}
{%- set issue_columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) if (column.name | lower).endswith('_issue') -%}
        {%- do issue_columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif %}

with

shares as (

    {% for column in issue_columns -%}
    select
        '{{ column[:-6] }}' as column_name,
        count(*) as staged_rows,
        sum(case when {{ column }} is not null then 1 else 0 end) as issue_rows,
        cast(ceil(10000.0 * sum(case when {{ column }} is not null then 1 else 0 end) / nullif(count(*), 0)) as bigint)
            as share_basis_points
    from {{ model }}
    where row_disposition = 'staged'
    {% if not loop.last %}union all{% endif %}
    {% else -%}
    select '' as column_name, 0 as staged_rows, 0 as issue_rows, 0 as share_basis_points
    {%- endfor %}

)

select * from shares
where issue_rows > 0

{% endtest %}
