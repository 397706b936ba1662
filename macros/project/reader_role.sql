{#- Read-only access for BI tools on PostgreSQL: the role in env var UNIFIED_SEGMENTS_PG_READER_ROLE
    (created NOLOGIN when missing; grant it to your BI users) may use the marts and exports
    schemas, and the +grants config of those folders gives it select on every relation built
    there. Nothing else (raw, staging, identity, customers, segments, audit) is visible to it. No-ops
    on engines without roles. -#}
{% macro reader_role() -%}
    {{ return(env_var('UNIFIED_SEGMENTS_PG_READER_ROLE', 'unified_segments_reader')) }}
{%- endmacro %}


{% macro create_reader_role() -%}
    {{ return(adapter.dispatch('create_reader_role', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__create_reader_role() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_reader_role() -%}
    {%- set role = unified_segments.reader_role() -%}
    do $$
    begin
        if not exists (select from pg_roles where rolname = '{{ role }}') then
            create role "{{ role }}" nologin;
        end if;
    end
    $$
{%- endmacro %}


{% macro grant_reader_schema_usage() -%}
    {{ return(adapter.dispatch('grant_reader_schema_usage', 'unified_segments')()) }}
{%- endmacro %}

{% macro default__grant_reader_schema_usage() -%}
    select 1
{%- endmacro %}

{% macro postgres__grant_reader_schema_usage() -%}
    {%- set role = unified_segments.reader_role() -%}
    do $$
    begin
        {%- for schema in ['marts', 'exports'] %}
        if exists (select from pg_namespace where nspname = '{{ generate_schema_name(schema, none) | trim }}') then
            grant usage on schema "{{ generate_schema_name(schema, none) | trim }}" to "{{ role }}";
        end if;
        {%- endfor %}
    end
    $$
{%- endmacro %}
