{#- The config of a model that keeps one slice per as-of date, each build replacing its own date's
    rows: delete+insert on the as-of date; on Spark without Delta (no delete), an overwrite of the
    as-of date's partition. The one place this engine switch is written. -#}
{% macro replaced_per_as_of_date() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'partition_by': ['as_of_date'] if target.type == 'spark' else none,
        'unique_key': 'as_of_date',
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}


{#- The materialization of a model kept by delete+insert: incremental, except on Spark without
    Delta (no delete), where it is rebuilt whole as a table. -#}
{% macro incremental_with_deletes() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}
