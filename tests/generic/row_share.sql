{#- The share of the model's rows (matching row_condition) that satisfy condition, in basis
    points (1 % = 100), graded by warn_if / error_if: fail_calc reads share_basis_points, so the
    thresholds are basis points (defaults: warn above 500 = 5 %, error above 2000 = 20 %).
    Returns one row (row_count, matching_rows, share_basis_points) for a non-empty model. -#}
{% test row_share(model, condition, column_name=none, row_condition=none) %}
{{ config(fail_calc='coalesce(max(share_basis_points), 0)', warn_if='>500', error_if='>2000') }}

select
    count(*) as row_count,
    sum(case when {{ condition }} then 1 else 0 end) as matching_rows,
    cast(ceil(10000.0 * sum(case when {{ condition }} then 1 else 0 end) / count(*)) as bigint) as share_basis_points
from {{ model }}
{%- if row_condition %}
where {{ row_condition }}
{%- endif %}
having count(*) > 0

{% endtest %}
