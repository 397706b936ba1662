{#- No group of rows sharing a value of `column_name` is larger than max_size: catches a runaway
    identity merge (one person with hundreds of identifiers). Fails with one row per oversized
    group, largest first, with its size. -#}
{% test max_group_size(model, column_name, max_size) %}

with

groups as (

    select
        {{ column_name }} as group_value,
        count(*) as group_size
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}

)

select
    group_value,
    group_size,
    {{ max_size }} as max_size
from groups
where group_size > {{ max_size }}

{% endtest %}
