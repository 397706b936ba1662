{#- Every value of the column (in rows matching from_condition) exists in field of `to` (in rows
    matching to_condition). Fails with the orphan values. -#}
{% test relationships_where(model, column_name, to, field, from_condition='1 = 1', to_condition='1 = 1') %}

select distinct child.{{ column_name }} as orphan_value
from {{ model }} as child
where
    child.{{ column_name }} is not null
    and ({{ from_condition }})
    and child.{{ column_name }} not in (
        select parent.{{ field }} from {{ to }} as parent
        where parent.{{ field }} is not null and ({{ to_condition }})
    )

{% endtest %}
