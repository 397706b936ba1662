{#- The hash an erasure tombstone keeps of an identifier: SHA-256 of its key, <type>:<normalised value>. -#}
{% macro identifier_key_sha256(key_expr) -%}
    {{ unified_segments.sha256_hex(key_expr) }}
{%- endmacro %}


{#- The warehouse half of the erasure procedure: dbt run-operation redact_erased_people, then dbt
    build (make redact does both). Run it after a build, so the erased people are known. It
      1. writes tombstones to raw privacy.erasure_tombstones: the identifier_key_sha256 of every
         identifier resolved to an erased person (dim_customer_profiles.is_erased) and of every
         identifier an erasure request names that identity never saw, plus the hash forms exported
         files carry (int_erased_identifier_hashes, identifier_type export_form), each with the
         person id it had; never a clear value. The export keeps scrubbing kept runs with them;
      2. redacts every raw row holding a tombstoned identifier, as its table's meta in the sources
         YAML says. identifiers maps identifier type -> raw column (normalised as staging does
         before hashing), or is `named` for rows that name one in identifier_type and
         identifier_value. erasure: delete removes the row; erasure: redact keeps it (a sale stays
         the shop's revenue) with its identifier columns and the columns under personal nulled;
      3. deletes from every incremental model, which a build does not rebuild, the rows of a
         tombstoned identifier (its identifier_key, or, for a model staging a raw table, the
         identifier columns the table's meta names, already normalised) or of a tombstoned
         person id: the staged events, the identifier history, the membership history and
         snapshots.
    The build that follows rebuilds every other staging, identity and mart table from the redacted
    raw tables, and the tombstones keep a later load of any of the identifiers erased. Logs the
    rows it deleted or redacted per relation. -#}
{% macro redact_erased_people() -%}
    {{ return(adapter.dispatch('redact_erased_people', 'unified_segments')()) }}
{%- endmacro %}

{% macro spark__redact_erased_people() -%}
    {{ exceptions.raise_compiler_error(
        "redact_erased_people deletes and updates rows, which Spark's Parquet tables (no Delta here) cannot do; "
        ~ "run the redaction on DuckDB or PostgreSQL, or rewrite the raw tables without the erased rows") }}
{%- endmacro %}

{% macro default__redact_erased_people() -%}
    {%- set identifiers = ref('int_identifiers_resolved') -%}
    {%- set profiles = ref('dim_customer_profiles') -%}
    {%- set requests = ref('stg_privacy__requests') -%}
    {%- set export_forms = ref('int_erased_identifier_hashes') -%}
    {%- for relation in [identifiers, profiles, requests, export_forms] if load_relation(relation) is none -%}
        {{ exceptions.raise_compiler_error(
            "redact_erased_people: " ~ relation ~ " does not exist; run dbt build first, so the erased people are known") }}
    {%- endfor -%}
    {%- set tombstones = source('privacy', 'erasure_tombstones') -%}
    {%- do run_query("create schema if not exists " ~ tombstones.schema) -%}
    {%- do run_query(
        "create table if not exists " ~ tombstones ~ " (identifier_type " ~ dbt.type_string()
        ~ ", identifier_sha256 " ~ dbt.type_string() ~ ", person_id " ~ dbt.type_string() ~ ", erased_at "
        ~ dbt.type_string() ~ ", loaded_at " ~ dbt.type_timestamp() ~ ")") -%}
    {%- set tombstoned = "(select identifier_sha256 from " ~ tombstones ~ " where identifier_sha256 is not null)" -%}

    {%- set new_tombstones -%}
        with erased_keys as (
            select identifiers.identifier_type, identifiers.identifier_key, identifiers.person_id
            from {{ identifiers }} as identifiers
            inner join {{ profiles }} as profiles on identifiers.person_id = profiles.person_id
            where profiles.is_erased
            union all
            select requests.identifier_type, requests.identifier_type || ':' || requests.identifier_value, null
            from {{ requests }} as requests
            where
                requests.request_type = 'erasure'
                and requests.identifier_type || ':' || requests.identifier_value not in (
                    select identifier_key from {{ identifiers }} where identifier_key is not null
                )
        ),
        hashes as (
            select identifier_type, {{ unified_segments.identifier_key_sha256('identifier_key') }} as identifier_sha256, person_id
            from erased_keys
            union all
            select 'export_form', identifier_sha256, person_id from {{ export_forms }}
        )
        select identifier_sha256, min(identifier_type) as identifier_type, min(person_id) as person_id
        from hashes
        where identifier_sha256 not in {{ tombstoned }}
        group by identifier_sha256
    {%- endset -%}
    {%- set written = run_query("select count(*) from (" ~ new_tombstones ~ ") as new_rows").columns[0].values()[0] -%}
    {%- do run_query(
        "insert into " ~ tombstones ~ " (identifier_type, identifier_sha256, person_id, erased_at, loaded_at) "
        ~ "select identifier_type, identifier_sha256, person_id, cast(current_timestamp as " ~ dbt.type_string()
        ~ "), current_timestamp from (" ~ new_tombstones ~ ") as new_rows") -%}
    {%- do log("redact_erased_people: " ~ written ~ " new tombstones in " ~ tombstones, info=true) -%}

    {%- set tombstoned_people = "(select person_id from " ~ tombstones ~ " where person_id is not null)" -%}

    {#- raw tables, as their sources YAML says -#}
    {%- for node in graph.sources.values() if node.meta.get('erasure') -%}
        {%- set relation = load_relation(source(node.source_name, node.name)) -%}
        {%- if relation is not none -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- set keys = [] -%}
            {%- if node.meta.identifiers == 'named' -%}
                {%- set named_type = "lower(" ~ unified_segments.clean_text('identifier_type') ~ ")" -%}
                {%- do keys.append(named_type ~ " || ':' || " ~ unified_segments.normalize_identifier(named_type, 'identifier_value')) -%}
            {%- else -%}
                {%- for identifier_type, column in node.meta.identifiers.items() if column in present -%}
                    {%- do keys.append("'" ~ identifier_type ~ ":' || " ~ unified_segments.raw_identifier_value(
                        identifier_type, column, 'country' if 'country' in present else none)) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- set cleared = [] -%}
            {%- for column in (node.meta.identifiers.values() | list if node.meta.identifiers is mapping else [])
                + node.meta.get('personal', []) if column in present -%}
                {%- do cleared.append(column ~ " = null") -%}
            {%- endfor -%}
            {%- set conditions = [] -%}
            {%- for key in keys -%}
                {%- do conditions.append(unified_segments.identifier_key_sha256(key) ~ " in " ~ tombstoned) -%}
            {%- endfor -%}
            {%- do unified_segments.redact_rows(relation, conditions, node.meta.erasure, cleared) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- incremental relations, which a build keeps: rows of a tombstoned identifier (identifier_key;
        in a staged raw table, its normalised identifier columns) or of a tombstoned person id -#}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- set relation = load_relation(ref(node.name)) -%}
        {%- if relation is not none -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- set conditions = [] -%}
            {%- if 'identifier_key' in present -%}
                {%- do conditions.append(unified_segments.identifier_key_sha256('identifier_key') ~ " in " ~ tombstoned) -%}
            {%- endif -%}
            {%- if 'person_id' in present -%}
                {%- do conditions.append("person_id in " ~ tombstoned_people) -%}
            {%- endif -%}
            {%- for source_id in node.depends_on.nodes if source_id.startswith('source.') -%}
                {%- set identifiers = graph.sources[source_id].meta.get('identifiers') -%}
                {%- for identifier_type, column in (identifiers.items() if identifiers is mapping else []) if column in present -%}
                    {%- do conditions.append(unified_segments.identifier_key_sha256(
                        "'" ~ identifier_type ~ ":' || " ~ column) ~ " in " ~ tombstoned) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- do unified_segments.redact_rows(relation, conditions, 'delete', []) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- run-operation leaves its transaction open: the redaction holds only once committed -#}
    {%- do run_query('commit') -%}
{%- endmacro %}


{#- A raw identifier column normalised as staging normalises its type (a phone read with the row's
    country when the table has one). -#}
{% macro raw_identifier_value(identifier_type, column, country_column=none) -%}
    {%- if identifier_type == 'email' -%}
        {{ unified_segments.normalize_email(column) }}
    {%- elif identifier_type == 'phone' -%}
        {{ unified_segments.normalize_phone(column, country_column) }}
    {%- else -%}
        {{ unified_segments.clean_text(column) }}
    {%- endif -%}
{%- endmacro %}


{#- Deletes (policy delete) or nulls the cleared columns of (policy redact) the rows of relation
    where any of the conditions holds; logs how many. -#}
{% macro redact_rows(relation, conditions, policy, cleared) -%}
    {%- if conditions -%}
        {%- set matches = "(" ~ conditions | join(" or ") ~ ")" -%}
        {%- set rows = run_query("select count(*) from " ~ relation ~ " where " ~ matches).columns[0].values()[0] -%}
        {%- if rows > 0 and policy == 'redact' -%}
            {%- do run_query("update " ~ relation ~ " set " ~ cleared | join(', ') ~ " where " ~ matches) -%}
        {%- elif rows > 0 -%}
            {%- do run_query("delete from " ~ relation ~ " where " ~ matches) -%}
        {%- endif -%}
        {%- do log("redact_erased_people: " ~ ("redacted " if policy == 'redact' else "deleted ") ~ rows
            ~ " rows of " ~ relation, info=true) -%}
    {%- endif -%}
{%- endmacro %}
