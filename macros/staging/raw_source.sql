{#- A raw landing table read through its contract, whoever landed it. The contract is the
    source's column list in models/staging/<source>/_<source>__sources.yml, in order; columns with
    meta required: true must be there. Every contract column comes out as text (a column another
    tool landed typed, a timestamp or a number, is cast), an optional column the table lacks comes
    out null, and loaded_at comes out as a timestamp. A table that does not exist reads as no
    rows (a deployment without that feed). A required column that is missing stops the build at
    compile time, naming the table and the column. Columns outside the contract are not read. -#}
{% macro raw_source(source_name, table_name) -%}
    {{ return(adapter.dispatch('raw_source', 'unified_segments')(source_name, table_name)) }}
{%- endmacro %}

{% macro default__raw_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set contract = unified_segments.raw_contract(source_name, table_name) -%}
    {%- if not execute or not contract -%}
        {#- Parsing, or a unit test (its fixture rows stand in for the source and graph has no sources). -#}
        select * from {{ relation }}
    {%- else -%}
        {%- set existing = adapter.get_relation(relation.database, relation.schema, relation.identifier) -%}
        {%- set present = {} -%}
        {%- if existing is not none -%}
            {%- for column in adapter.get_columns_in_relation(existing) -%}
                {%- do present.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
            {%- for column in contract if column.required and column.name not in present -%}
                {{ exceptions.raise_compiler_error(
                    relation ~ " has no column " ~ column.name ~ ", which the raw landing contract requires "
                    ~ "(models/staging/" ~ source_name ~ "/_" ~ source_name ~ "__sources.yml); it has: "
                    ~ (present.keys() | sort | join(', '))) }}
            {%- endfor -%}
        {%- endif -%}
        select
            {%- for column in contract %}
            {% if column.name == 'loaded_at' -%}
                {%- if column.name in present -%}
                    cast({{ adapter.quote(present[column.name]) }} as {{ dbt.type_timestamp() }})
                {%- else -%}
                    cast(null as {{ dbt.type_timestamp() }})
                {%- endif -%}
            {%- elif column.name in present -%}
                cast({{ adapter.quote(present[column.name]) }} as {{ dbt.type_string() }})
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as {{ column.name }}{{ ',' if not loop.last }}
            {%- endfor %}
        {% if existing is not none -%}
        from {{ existing }}
        {%- else -%}
        where 1 = 0
        {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- The contract of a raw table: [{name, required}] in the order of its sources YAML ([] where the
    graph is not loaded). loaded_at is required: incremental staging and freshness read it. -#}
{% macro raw_contract(source_name, table_name) -%}
    {{ return(adapter.dispatch('raw_contract', 'unified_segments')(source_name, table_name)) }}
{%- endmacro %}

{% macro default__raw_contract(source_name, table_name) -%}
    {%- set node = graph.get('sources', {}).get('source.unified_segments.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set contract = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- do contract.append({
            'name': name | lower,
            'required': name | lower == 'loaded_at' or (column.meta or {}).get('required', false)
        }) -%}
    {%- endfor -%}
    {{ return(contract) }}
{%- endmacro %}
