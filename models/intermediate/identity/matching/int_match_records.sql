{#- The records probabilistic matching compares: one per staged CRM contact, its fields
    normalised for comparison (names lower-cased letters only; postal code without spaces; street
    suffixes abbreviated as var unified_segments_match_address_abbreviations says; any other match
    field lower-cased and trimmed, or a date when it is compared as one), and the columns blocking
    rules may use: derived keys, a soundex key per name field, and per field with term frequencies
    the share of records holding its value; record_number is an integer node id for the match
    clusters. Email and phone only label check pairs (they are identifiers, which deterministic
    identity already links on). A contact is the record because contacts carry names, birth dates
    and addresses; transactions and events carry identifiers only. -#}
{%- set abbreviations = required_var('unified_segments_match_address_abbreviations') %}
{%- set fields = match_fields() %}
{%- set other_fields = fields | map(attribute='field') | reject('in', match_normalised_fields()) | list %}
{%- if execute and other_fields %}
    {%- set contact_columns = adapter.get_columns_in_relation(ref('stg_crm__contacts')) | map(attribute='name') | map('lower') | list %}
    {%- for field in other_fields if field | lower not in contact_columns %}
        {{ exceptions.raise_compiler_error("var unified_segments_match_fields: field '" ~ field ~ "' is no column of "
            ~ "stg_crm__contacts; its columns: " ~ contact_columns | join(', ')) }}
    {%- endfor %}
{%- endif %}
{#- ' 12 high street ' -> ' 12 high st ': words padded with spaces, so only whole words change. -#}
{%- set words = regexp_replace_all('lower(address_line)', '[^a-z0-9]+', ' ') %}
{%- set ns = namespace(address="' ' || " ~ words ~ " || ' '") %}
{%- for word, short in abbreviations.items() %}
    {%- set ns.address = "replace(" ~ ns.address ~ ", ' " ~ word ~ " ', ' " ~ short ~ " ')" %}
{%- endfor %}

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

normalised as (

    select
        contact_id as record_id,
        'contact_id:' || contact_id as identifier_key,
        {{ clean_text(regexp_replace_all('lower(first_name)', '[^a-z]', '')) }} as first_name,
        {{ clean_text(regexp_replace_all('lower(last_name)', '[^a-z]', '')) }} as last_name,
        birth_date,
        {{ clean_text("replace(postal_code, ' ', '')") }} as postal_code,
        {{ clean_text(ns.address) }} as address_line,
        lower(city) as city,
        {%- for entry in fields if entry.field in other_fields %}
            {%- if entry.comparison == 'date' %}
            cast({{ entry.field }} as date) as {{ entry.field }},
            {%- else %}
            {{ clean_text('lower(cast(' ~ entry.field ~ ' as ' ~ dbt.type_string() ~ '))') }} as {{ entry.field }},
            {%- endif %}
        {%- endfor %}
        email,
        phone,
        updated_at
    from contacts

),

final as (

    select
        *,
        cast(birth_date as {{ dbt.type_string() }}) as birth_date_text,
        substr(cast(birth_date as {{ dbt.type_string() }}), 1, 4) as birth_year,
        substr(last_name, 1, 3) as last_name_prefix,
        substr(first_name, 1, 1) as first_name_initial,
        case when first_name < last_name then first_name else last_name end as name_low,
        case when first_name < last_name then last_name else first_name end as name_high,
        {%- for entry in fields if entry.comparison == 'name' %}
            {{ soundex(entry.field) }} as {{ entry.field }}_soundex,
        {%- endfor %}
        {%- for entry in fields if entry.get('term_frequencies') %}
            cast(nullif(count({{ entry.field }}) over (partition by {{ entry.field }}), 0) as {{ type_double() }})
            / count({{ entry.field }}) over () as {{ entry.field }}_frequency,
        {%- endfor %}
        {{ dbt.hash('record_id') }} as record_hash,
        row_number() over (order by record_id) as record_number
    from normalised

)

select * from final
