{#- Every row satisfies a boolean SQL expression (optionally only rows matching a where config).
    Fails with the rows that do not. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
