{#- Every row (or, with group_by, every group) satisfies a boolean SQL expression; row_condition
    limits the rows checked. Fails with the rows (or groups) that do not. With group_by the
    expression is evaluated per group and may use aggregates: "sum(amount) >= 0". -#}
{% test expression_is_true(model, expression, group_by=none, row_condition=none) %}

{%- if group_by %}
select
    {{ group_by | join(', ') }}
from {{ model }}
{%- if row_condition %}
where {{ row_condition }}
{%- endif %}
group by {{ group_by | join(', ') }}
having not ({{ expression }})
{%- else %}
select *
from {{ model }}
where
    not ({{ expression }})
    {%- if row_condition %}
    and ({{ row_condition }})
    {%- endif %}
{%- endif %}

{% endtest %}
