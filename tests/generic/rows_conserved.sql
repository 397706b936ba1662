{#- Row conservation: the rows of `model` (a raw source) equal the sum of the rows of `parts`,
    the models that account for them (staged, quarantined, removed as duplicates ...). A part is
    {model: <name>, where: <optional filter>}. Fails with one row naming the difference and every
    part's count, so a fan-out or a silent drop is visible at once. -#}
{% test rows_conserved(model, parts) %}

with

source_rows as (

    {% if load_relation(model) is not none -%}
    select count(*) as row_count from {{ model }}
    {%- else -%}
    select 0 as row_count
    {%- endif %}

),

{% for part in parts %}
part_{{ loop.index }} as (

    select count(*) as row_count
    from {{ ref(part.model) }}
    {% if part.where %}where {{ part.where }}{% endif %}

),
{% endfor %}

accounted as (

    select
        {% for part in parts -%}
        part_{{ loop.index }}.row_count{{ ' +' if not loop.last }}
        {% endfor -%} as row_count,
        {% for part in parts -%}
        '{{ part.model }}{{ (" where " ~ part.where) | replace("'", "''") if part.where }} = '
        || cast(part_{{ loop.index }}.row_count as {{ dbt.type_string() }}){{ " || '; ' ||" if not loop.last }}
        {% endfor %} as breakdown
    from {% for part in parts %}part_{{ loop.index }}{{ ' cross join ' if not loop.last }}{% endfor %}

)

select
    source_rows.row_count as source_rows,
    accounted.row_count as accounted_rows,
    source_rows.row_count - accounted.row_count as unaccounted_rows,
    accounted.breakdown
from source_rows
cross join accounted
where source_rows.row_count <> accounted.row_count

{% endtest %}
