{#- Field-level validation in a base staging model: a bad optional value costs that value, never
    the row. fields is a list of {raw, column, checks}: raw the contract column as landed, column
    the typed column the model stages (the typed CTE names its value <column>_parsed), and checks
    [[reason_code, condition], ...] in order, each condition true when the value is bad. Emits, per
    field, <raw>_issue (the first failing reason, null when the value is fine or absent) and
    <column> (the parsed value, or null when it has an issue). stg_field_issues lists every issue
    of a staged row by reading the *_issue columns. -#}
{% macro validated_fields(fields) -%}
    {{ return(adapter.dispatch('validated_fields', 'unified_segments')(fields)) }}
{%- endmacro %}

{% macro default__validated_fields(fields) -%}
    {%- for field in fields %}
        {%- set issue -%}
            case
                {%- for reason, condition in field.checks %}
                when {{ condition }} then '{{ reason }}'
                {%- endfor %}
            end
        {%- endset %}
        {{ issue }} as {{ field.raw }}_issue,
        case when ({{ issue }}) is null then {{ field.column }}_parsed end as {{ field.column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The condition "the raw value is there but did not parse", for a check list. -#}
{% macro unparseable(raw, column) -%}
    {{ return(adapter.dispatch('unparseable', 'unified_segments')(raw, column)) }}
{%- endmacro %}

{% macro default__unparseable(raw, column) -%}
    {{ unified_segments.clean_text('raw_' ~ raw) }} is not null and {{ column }}_parsed is null
{%- endmacro %}


{#- The field checks more than one base model shares, one definition each (for validated_fields). -#}
{% macro email_field() -%}
    {{ return({'raw': 'email', 'column': 'email', 'checks': [
        ['email_invalid', 'email_parsed is not null and not ' ~ unified_segments.is_valid_email('email_parsed')]]}) }}
{%- endmacro %}

{#- raw_country: the row's raw country column, when the table has one. -#}
{% macro phone_field(raw_country=none) -%}
    {{ return({'raw': 'phone', 'column': 'phone', 'checks': [
        ['phone_country_unknown', unified_segments.phone_country_unknown('raw_phone', raw_country)],
        ['phone_invalid', unified_segments.clean_text('raw_phone') ~ ' is not null and (phone_parsed is null or not '
            ~ unified_segments.is_valid_e164('phone_parsed') ~ ')']]}) }}
{%- endmacro %}

{% macro postal_code_field() -%}
    {{ return({'raw': 'postal_code', 'column': 'postal_code', 'checks': [
        ['postal_code_invalid', 'not ' ~ unified_segments.regexp_matches('postal_code_parsed', '^[A-Z0-9][A-Z0-9 -]{1,9}$')]]}) }}
{%- endmacro %}

{% macro country_field() -%}
    {{ return({'raw': 'country', 'column': 'country', 'checks': [
        ['country_invalid', 'not ' ~ unified_segments.regexp_matches('country_parsed', '^[A-Z]{2}$')]]}) }}
{%- endmacro %}
