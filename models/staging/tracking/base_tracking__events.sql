{#- Every raw event, typed and normalised, with the one disposition staging gives it:
      staged              a usable event, the first delivery of its event_id
      quarantined         unusable: no event_id, an event type outside the tracking plan, no
                          believable time, or no identifier left to say whose it is;
                          quarantine_reason says why (first failed check wins)
      duplicate_delivery  a later delivery of an event_id already staged (at-least-once pipeline)
    A bad email, price or quantity is nulled and recorded in <raw>_issue; the event stays.
    The raw_* columns keep the values as landed where someone needs them: every column of a row
    that was not staged (the quarantine), and a value a staged row lost to an issue
    (stg_field_issues). A staged row's other raw values are null: its typed columns hold them, and
    the table does not store every event twice.
    Stored, so the typing and ranking run once: stg_tracking__events is a view of its staged rows,
    stg_tracking__events_quarantined a table of the others, and the conservation test counts its
    duplicate deliveries. Only the deliveries of event ids that arrived more than once are sorted
    to rank them (about 4% of events in the generated data); every other usable row is its
    event's first delivery.

    Incremental: a run re-derives every delivery of each event_id that has a delivery loaded in
    the last unified_segments_events_lookback_hours before the newest loaded_at already here
    (so deliveries loaded out of order within that window still rank exactly as in a full
    refresh), and adds rows without an event_id loaded after it. Rows loaded further back than the
    window are missed, and the rows-conserved test on the source fails: run --full-refresh. -#}
{#- Spark without Delta has no delete+insert: there it is rebuilt whole. -#}
{{ config(
    materialized=unified_segments.incremental_with_deletes(),
    incremental_strategy='delete+insert',
    unique_key='event_id',
    on_schema_change='fail'
) }}
{% set max_clock_skew_minutes = required_var('unified_segments_max_clock_skew_minutes') %}
{% set min_valid_timestamp = required_var('unified_segments_min_valid_timestamp') %}
{% set max_unit_price = required_var('unified_segments_max_unit_price') %}
{% set max_quantity = required_var('unified_segments_max_quantity') %}
{% set event_types = required_var('unified_segments_event_types') %}
{% set fields = [
    email_field(),
    {'raw': 'price', 'column': 'price', 'checks': [
        ['price_unparseable', unparseable('price', 'price')],
        ['price_out_of_range', 'price_parsed < 0 or price_parsed > ' ~ max_unit_price]]},
    {'raw': 'quantity', 'column': 'quantity', 'checks': [
        ['quantity_unparseable', unparseable('quantity', 'quantity')],
        ['quantity_out_of_range', 'quantity_parsed <= 0 or quantity_parsed > ' ~ max_quantity]]}
] %}
{% set validated = fields | map(attribute='raw') | list %}
{% set raw_columns = [
    'event_id', 'event_type', 'occurred_at', 'anonymous_id', 'user_id', 'email', 'session_id', 'page_url',
    'product_id', 'product_category', 'price', 'quantity', 'device_type', 'utm_source'
] %}

{%- set incremental_filter -%}
    {%- if is_incremental() -%}
        {%- set lookback_hours = required_var('unified_segments_events_lookback_hours') -%}
        where
            {{ clean_text('event_id') }} in (
                select {{ clean_text('event_id') }} from ({{ raw_source('tracking', 'events') }}) as recent_events
                where loaded_at > (
                    select {{ dbt.dateadd('hour', -lookback_hours, 'max(loaded_at)') }} from {{ this }}
                )
            )
            or (
                {{ clean_text('event_id') }} is null
                and loaded_at > (select max(loaded_at) from {{ this }})
            )
    {%- endif -%}
{%- endset %}

with

source as {{ not_materialized() }} (

    select * from ({{ raw_source('tracking', 'events') }}) as raw_events
    {{ incremental_filter }}

),

redelivered as (

    -- The event ids delivered more than once: only their deliveries need ranking, so the sort
    -- that ranks them sees a few rows, not every event. Grouped on the raw id, which is several
    -- times cheaper than grouping on its cleaned value; a raw id that cleaning changes (padded)
    -- may share its event id with other raw ids, so it and its cleaned value are ranked too.
    -- Rows that are marked but have no second delivery rank first, as they would unmarked.
    select event_id
    from source
    group by event_id
    having count(*) > 1 or max(case when {{ clean_text('event_id') }} <> event_id then 1 else 0 end) = 1

),

redelivered_ids as (

    select event_id from redelivered
    union
    select {{ clean_text('event_id') }} from redelivered

),

marked as {{ not_materialized() }} (

    -- Marked before typing, so each branch of ranked types only its own rows (not materialized:
    -- each branch reads the raw rows itself, which costs less than writing them out).
    select
        source.*,
        redelivered_ids.event_id is not null as is_redelivered
    from source
    left join redelivered_ids on source.event_id = redelivered_ids.event_id

),

typed as (

    select
        -- ids
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('anonymous_id') }} as anonymous_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('product_id') }} as product_id,

        -- strings
        lower({{ clean_text('event_type') }}) as event_type,
        {{ normalize_email('email') }} as email_parsed,
        {{ clean_text('page_url') }} as page_url,
        lower({{ clean_text('product_category') }}) as product_category,
        lower({{ clean_text('device_type') }}) as device_type,
        lower({{ clean_text('utm_source') }}) as utm_source,

        -- numerics
        {{ safe_cast_decimal('price') }} as price_parsed,
        {{ safe_cast_integer('quantity') }} as quantity_parsed,

        -- timestamps
        {{ safe_cast_timestamp_utc('occurred_at') }} as occurred_at,
        loaded_at,

        -- raw values, as landed, for the quarantine
        event_id as raw_event_id,
        event_type as raw_event_type,
        occurred_at as raw_occurred_at,
        anonymous_id as raw_anonymous_id,
        user_id as raw_user_id,
        email as raw_email,
        session_id as raw_session_id,
        page_url as raw_page_url,
        product_id as raw_product_id,
        product_category as raw_product_category,
        price as raw_price,
        quantity as raw_quantity,
        device_type as raw_device_type,
        utm_source as raw_utm_source,

        is_redelivered

    from marked

),

validated as (

    select
        *,
        {{ validated_fields(fields) }}
    from typed

),

checked as (

    select
        *,
        case
            when event_id is null then 'event_id_missing'
            when
                event_type is null
                or event_type not in (
                    {%- for event_type in event_types %}
                        '{{ event_type }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then 'event_type_unknown'
            when occurred_at is null then 'occurred_at_unparseable'
            when occurred_at < cast('{{ min_valid_timestamp }}' as timestamp)
                then 'occurred_at_before_min'
            when occurred_at > {{ dbt.dateadd('minute', max_clock_skew_minutes, 'loaded_at') }}
                then 'occurred_at_in_future'
            when anonymous_id is null and user_id is null and email is null then 'identifier_missing'
        end as quarantine_reason
    from validated

),

ranked as (

    -- A usable row whose event_id came once is its first delivery.
    select
        *,
        case when quarantine_reason is null then 1 end as delivery_number
    from checked
    where not is_redelivered
    union all
    -- Among usable rows only: the earliest delivery of an event_id wins; the raw values break
    -- ties so the choice never depends on scan order. Null for quarantined rows.
    select
        *,
        case when quarantine_reason is null then row_number() over (
            partition by event_id, quarantine_reason is null
            order by
                loaded_at nulls last, raw_occurred_at nulls last, raw_event_type nulls last,
                raw_anonymous_id nulls last, raw_user_id nulls last, raw_email nulls last,
                raw_session_id nulls last, raw_page_url nulls last, raw_product_id nulls last,
                raw_price nulls last, raw_quantity nulls last, raw_device_type nulls last,
                raw_utm_source nulls last, raw_product_category nulls last
        ) end as delivery_number
    from checked
    where is_redelivered

),

disposed as (

    select
        *,
        {{ row_disposition('delivery_number', 'duplicate_delivery') }} as row_disposition
    from ranked

),

final as (

    select
        event_id,
        anonymous_id,
        user_id,
        session_id,
        product_id,
        event_type,
        page_url,
        product_category,
        device_type,
        utm_source,
        occurred_at,
        loaded_at,
        -- the raw values of every row not staged, and of each value a staged row lost to an issue
        {%- for column in raw_columns %}
            {%- set issue = ' or ' ~ column ~ '_issue is not null' if column in validated else '' %}
            {%- set kept = "row_disposition <> 'staged'" ~ issue %}
            case when {{ kept }} then raw_{{ column }} end as raw_{{ column }},
        {%- endfor %}
        {%- for field in fields %}
            {{ field.raw }}_issue,
            {{ field.column }},
        {%- endfor %}
        quarantine_reason,
        delivery_number,
        row_disposition
    from disposed

)

select * from final
