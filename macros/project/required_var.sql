{#- A var the models cannot work without. dbt's own var() accepts a null value and renders it as
    'None' into the SQL; this fails at compile time instead, naming the var and the model. -#}
{% macro required_var(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or (value is string and value | trim == '') -%}
        {%- set where = model.original_file_path if model is defined and model is mapping else 'this project' -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' is not set (used by " ~ where ~ "); give it a value under vars: in "
            ~ "dbt_project.yml or with --vars") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
