{#- Test-result history: on-run-end hooks append every test result of an invocation to
    audit.test_results, a table BI can chart (pass/warn/fail over time). The macros return SQL
    for the hooks to run (so the hook's transaction handling commits it), one statement each. -#}
{% macro test_results_relation() -%}
    {{ return(api.Relation.create(schema=generate_schema_name('audit', none) | trim, identifier='test_results')) }}
{%- endmacro %}


{% macro create_test_results_schema() -%}
    create schema if not exists {{ unified_segments.test_results_relation().without_identifier().include(database=false) }}
{%- endmacro %}


{% macro create_test_results_table() -%}
    create table if not exists {{ unified_segments.test_results_relation() }} (
        invocation_id varchar(64),
        run_started_at timestamp,
        test_name varchar(512),
        resource_type varchar(16),
        attached_to varchar(512),
        status varchar(16),
        failures bigint,
        execution_seconds decimal(18, 3),
        message varchar(4000)
    )
{%- endmacro %}


{% macro store_test_results(results) -%}
    {%- set tests = [] -%}
    {%- for result in results if result.node.resource_type in ('test', 'unit_test') -%}
        {%- do tests.append(result) -%}
    {%- endfor -%}
    {%- if execute and tests | length > 0 -%}
        insert into {{ unified_segments.test_results_relation() }} values
        {%- for result in tests %}
            (
                '{{ invocation_id }}',
                cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp),
                '{{ result.node.name | replace("'", "''") }}',
                '{{ result.node.resource_type }}',
                '{{ (result.node.attached_node or '') | replace("'", "''") }}',
                '{{ result.status }}',
                {{ result.failures if result.failures is not none else 'null' }},
                {{ result.execution_time | round(3) }},
                '{{ (result.message or '') | string | truncate(3900, true, '') | replace("'", "''") }}'
            ){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
