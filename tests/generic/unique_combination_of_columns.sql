{#- The combination of `combination` columns is unique in the model. Fails with one row per
    repeated combination and how often it occurs. -#}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
