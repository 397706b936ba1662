{#- The profile assembled: one row per resolved person, joining the summaries built upstream:
    identifiers, attributes by survivorship (one column per attribute of var
    unified_segments_survivorship), consent, behaviour over the 30 days before the as-of date,
    orders and revenue, lifecycle dates. People with an erasure request keep their counts but no
    personal data: their ids and every survived attribute but those in not_personal are null (an
    attribute added to the var is masked unless listed there). dim_customer_profiles publishes
    it under an enforced contract; the intermediate models that need a profile read it here. -#}
{%- set identifier_types = required_var('unified_segments_identifier_types') | map(attribute='name') | list -%}
{%- set survived = required_var('unified_segments_survivorship').keys() | list -%}
{#- survived attributes are text; these are typed -#}
{%- set survived_types = {'birth_date': 'date', 'is_email_opted_in': 'boolean'} -%}
{%- set not_personal = ['country', 'loyalty_tier', 'is_email_opted_in'] -%}
{%- set personal = ['primary_user_id', 'primary_contact_id'] + survived | reject('in', not_personal) | list -%}

with

persons as (

    select * from {{ ref('int_persons_listed') }}

),

attributes as (

    select * from {{ ref('int_profile_attributes_survived') }}

),

consents as (

    select * from {{ ref('int_person_consents_derived') }}

),

behaviour as (

    select * from {{ ref('int_person_events_aggregated') }}

),

orders as (

    select * from {{ ref('int_person_orders_aggregated') }}

),

identifiers as (

    select * from {{ ref('int_identifiers_resolved') }}
    where person_id is not null

),

survived as (

    select
        person_id,
    {%- for attribute in survived %}
        max(case when attribute_name = '{{ attribute }}' then attribute_value end) as {{ attribute }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from attributes
    group by person_id

),

identifier_counts as (

    select
        person_id,
        {%- for identifier_type in identifier_types %}
            sum(case when identifier_type = '{{ identifier_type }}' then 1 else 0 end) as {{ identifier_type }}_count,
        {%- endfor %}
        count(*) as identifier_count,
        min(first_seen_at) as first_identified_at
    from identifiers
    group by person_id

),

first_of_type as (

    select
        person_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by person_id, identifier_type order by first_seen_at, identifier_value
        ) as seen_rank
    from identifiers
    where identifier_type in ('user_id', 'contact_id')

),

primary_ids as (

    select
        person_id,
        max(case when identifier_type = 'user_id' then identifier_value end) as primary_user_id,
        max(case when identifier_type = 'contact_id' then identifier_value end) as primary_contact_id
    from first_of_type
    where seen_rank = 1
    group by person_id

),

as_of as (

    select
        {{ as_of_date() }} as as_of_date,
        {{ as_of_end() }} as end_at

),

joined as (

    select
        persons.person_id,
        coalesce(consents.has_erasure_request, false) as is_erased,
        coalesce(consents.has_marketing_opt_out_request or consents.has_erasure_request, false)
            as has_marketing_opt_out,
        primary_ids.primary_user_id,
        primary_ids.primary_contact_id,
        {%- for attribute in survived %}
            {%- if attribute in survived_types %}
                cast(survived.{{ attribute }} as {{ survived_types[attribute] }}) as {{ attribute }},
            {%- else %}
                survived.{{ attribute }},
            {%- endif %}
        {%- endfor %}
        {%- for identifier_type in identifier_types %}
            identifier_counts.{{ identifier_type }}_count,
        {%- endfor %}
        identifier_counts.identifier_count,
        identifier_counts.first_identified_at,
        behaviour.sessions_30d,
        behaviour.page_views_30d,
        behaviour.product_views_30d,
        behaviour.searches_30d,
        behaviour.cart_adds_30d,
        behaviour.abandoned_cart_sessions_30d,
        behaviour.time_on_site_minutes_30d,
        behaviour.distinct_categories_30d,
        behaviour.luxury_view_share_30d,
        behaviour.sale_view_share_30d,
        behaviour.top_category_30d,
        behaviour.first_seen_at,
        behaviour.last_seen_at,
        behaviour.signed_up_at,
        behaviour.last_cart_add_at,
        behaviour.last_purchase_event_at,
        orders.orders,
        orders.orders_30d,
        orders.refunds,
        orders.cancellations,
        orders.unconverted_transactions,
        orders.net_revenue,
        orders.net_revenue_30d,
        orders.gross_revenue_cents,
        orders.first_order_at,
        orders.last_order_at
    from persons
    left join survived on persons.person_id = survived.person_id
    left join consents on persons.person_id = consents.person_id
    left join primary_ids on persons.person_id = primary_ids.person_id
    left join identifier_counts on persons.person_id = identifier_counts.person_id
    left join behaviour on persons.person_id = behaviour.person_id
    left join orders on persons.person_id = orders.person_id

),

final as (

    select
        joined.person_id,

        -- ids and personal data (none for erased people), the other survived attributes
        {%- for column in personal %}
            case when not joined.is_erased then joined.{{ column }} end as {{ column }},
        {%- endfor %}
        {%- for attribute in not_personal if attribute in survived and attribute != 'is_email_opted_in' %}
            joined.{{ attribute }},
        {%- endfor %}

        -- identifiers linked
        {%- for identifier_type in identifier_types %}
            cast(coalesce(joined.{{ identifier_type }}_count, 0) as bigint) as {{ identifier_type }}_count,
        {%- endfor %}
        cast(coalesce(joined.identifier_count, 0) as bigint) as identifier_count,

        -- consent
        coalesce(joined.is_email_opted_in, false) as is_email_opted_in,
        joined.has_marketing_opt_out,
        joined.is_erased,

        -- behaviour, 30 days before the as-of date
        cast(coalesce(joined.sessions_30d, 0) as bigint) as sessions_30d,
        cast(coalesce(joined.page_views_30d, 0) as bigint) as page_views_30d,
        cast(coalesce(joined.product_views_30d, 0) as bigint) as product_views_30d,
        cast(coalesce(joined.searches_30d, 0) as bigint) as searches_30d,
        cast(coalesce(joined.cart_adds_30d, 0) as bigint) as cart_adds_30d,
        cast(coalesce(joined.abandoned_cart_sessions_30d, 0) as bigint) as abandoned_cart_sessions_30d,
        cast(coalesce(joined.time_on_site_minutes_30d, 0) as decimal(18, 1)) as time_on_site_minutes_30d,
        cast(coalesce(joined.distinct_categories_30d, 0) as bigint) as distinct_categories_30d,
        cast(joined.luxury_view_share_30d as decimal(18, 4)) as luxury_view_share_30d,
        cast(joined.sale_view_share_30d as decimal(18, 4)) as sale_view_share_30d,
        joined.top_category_30d,

        -- orders and revenue, in revenue_currency
        cast(coalesce(joined.orders, 0) as bigint) as orders,
        cast(coalesce(joined.orders_30d, 0) as bigint) as orders_30d,
        cast(coalesce(joined.refunds, 0) as bigint) as refunds,
        cast(coalesce(joined.cancellations, 0) as bigint) as cancellations,
        cast(coalesce(joined.unconverted_transactions, 0) as bigint) as unconverted_transactions,
        cast(coalesce(joined.net_revenue, 0) as decimal(18, 2)) as net_revenue,
        cast(coalesce(joined.net_revenue_30d, 0) as decimal(18, 2)) as net_revenue_30d,
        cast({{ ratio_half_up('joined.gross_revenue_cents', 'joined.orders', 0) }} / 100 as decimal(18, 2))
            as average_order_value,
        '{{ required_var("unified_segments_reporting_currency") }}' as revenue_currency,
        -- orders per month of 30.4375 days since the first order, at least one month
        {{ ratio_half_up(
            'joined.orders * 304375',
            "greatest(304375, " ~ days_between('joined.first_order_at', 'as_of.end_at') ~ " * 10000)",
            4
        ) }} as purchases_per_month,
        cast({{ days_between('joined.last_order_at', 'as_of.as_of_date') }} as bigint)
            as days_since_last_purchase,

        -- lifecycle
        least(
            coalesce(joined.first_identified_at, joined.first_seen_at, joined.first_order_at),
            coalesce(joined.first_seen_at, joined.first_identified_at, joined.first_order_at),
            coalesce(joined.first_order_at, joined.first_identified_at, joined.first_seen_at)
        ) as first_seen_at,
        joined.last_seen_at,
        joined.signed_up_at,
        joined.first_order_at,
        joined.last_order_at,
        joined.last_cart_add_at,
        joined.last_purchase_event_at,
        as_of.as_of_date

    from joined
    cross join as_of

)

select * from final
