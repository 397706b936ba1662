{#- Every bad value staging nulled in a staged row: which source, row and column, the value as it
    landed, and why (the reason code of the first check it failed). The fields each base model
    validates are declared once, in that model (its *_issue columns, see validated_fields); this
    model reads them from the built tables. -#}
{%- set bases = [
    ('base_tracking__events', 'tracking.events', 'event_id'),
    ('base_crm__contacts', 'crm.crm_contacts', 'contact_id'),
    ('base_shop__transactions', 'shop.transactions', 'transaction_id'),
    ('base_privacy__requests', 'privacy.privacy_requests', 'request_id'),
    ('base_privacy__consents', 'privacy.consent_records', 'record_key')
] -%}
{%- set issues = [] -%}
{%- for model_name, source_table, row_key in bases -%}
    {%- set relation = ref(model_name) -%}
    {%- if execute and load_relation(relation) is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) if (column.name | lower).endswith('_issue') -%}
            {%- do issues.append((relation, source_table, row_key, (column.name | lower)[:-6])) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor %}

with

{% for relation, source_table, row_key, raw in issues %}
issues_{{ loop.index }} as (

    select
        '{{ source_table }}' as source_table,
        {{ row_key }} as row_key,
        '{{ raw }}' as column_name,
        raw_{{ raw }} as raw_value,
        {{ raw }}_issue as issue_reason,
        loaded_at
    from {{ relation }}
    where row_disposition = 'staged' and {{ raw }}_issue is not null

),
{% endfor %}

final as (

    -- typed, and the whole result when no base model validates a field
    select
        cast(null as {{ dbt.type_string() }}) as source_table,
        cast(null as {{ dbt.type_string() }}) as row_key,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as raw_value,
        cast(null as {{ dbt.type_string() }}) as issue_reason,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at
    where 1 = 0
    {%- for relation, source_table, row_key, raw in issues %}
    union all
    select * from issues_{{ loop.index }}
    {%- endfor %}

)

select * from final
