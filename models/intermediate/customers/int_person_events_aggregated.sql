{#- Behavioural traits per person from tracked events up to the as-of date: activity in the 30
    days before it, and lifetime first/last seen, sign-up, last cart add and last purchase event.
    Luxury and sale categories come from vars unified_segments_luxury_categories / _sale_categories. -#}
{%- set luxury = required_var('unified_segments_luxury_categories') -%}
{%- set sale = required_var('unified_segments_sale_categories') -%}

with

events as (

    select * from {{ ref('stg_tracking__events') }}

),

sets as (

    select * from {{ ref('int_identifier_sets_resolved') }}

),

person_events as (

    select
        {{ row_person_id('stg_tracking__events', 'events', 'sets') }} as person_id,
        events.event_type,
        events.session_id,
        events.product_category,
        events.occurred_at,
        events.occurred_at >= {{ as_of_window_start(30) }} as is_in_window
    from events
    inner join sets on {{ identifier_set_matches('stg_tracking__events', 'events', 'sets') }}
    where events.occurred_at < {{ as_of_end() }}

),

session_bounds as (

    select
        person_id,
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_cart_add,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase
    from person_events
    where is_in_window and session_id is not null
    group by person_id, session_id

),

window_sessions as (

    select
        person_id,
        session_id,
        has_cart_add,
        has_purchase,
        {{ seconds_between('started_at', 'ended_at') }} as duration_seconds
    from session_bounds

),

category_views as (

    select
        person_id,
        product_category,
        row_number() over (partition by person_id order by count(*) desc, product_category asc) as category_rank
    from person_events
    where is_in_window and event_type = 'product_view' and product_category is not null
    group by person_id, product_category

),

sessions_per_person as (

    select
        person_id,
        count(*) as sessions_30d,
        sum(case when has_cart_add = 1 and has_purchase = 0 then 1 else 0 end) as abandoned_cart_sessions_30d,
        {{ ratio_half_up('sum(duration_seconds)', '60', 1) }} as time_on_site_minutes_30d
    from window_sessions
    group by person_id

),

events_per_person as (

    select
        person_id,
        sum(case when is_in_window and event_type = 'page_view' then 1 else 0 end) as page_views_30d,
        sum(case when is_in_window and event_type = 'product_view' then 1 else 0 end) as product_views_30d,
        sum(case when is_in_window and event_type = 'search' then 1 else 0 end) as searches_30d,
        sum(case when is_in_window and event_type = 'add_to_cart' then 1 else 0 end) as cart_adds_30d,
        count(distinct case when is_in_window and event_type = 'product_view' then product_category end)
            as distinct_categories_30d,
        sum(
            case
                when
                    is_in_window and event_type = 'product_view'
                    and product_category in (
                        {%- for category in luxury %}
                            '{{ category }}'{{ ',' if not loop.last }}
                        {%- endfor %}
                    )
                    then 1
                else 0
            end
        ) as luxury_views_30d,
        sum(
            case
                when
                    is_in_window and event_type = 'product_view'
                    and product_category in (
                        {%- for category in sale %}
                            '{{ category }}'{{ ',' if not loop.last }}
                        {%- endfor %}
                    )
                    then 1
                else 0
            end
        ) as sale_views_30d,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        min(case when event_type = 'signup' then occurred_at end) as signed_up_at,
        max(case when event_type = 'add_to_cart' then occurred_at end) as last_cart_add_at,
        max(case when event_type = 'purchase' then occurred_at end) as last_purchase_event_at
    from person_events
    group by person_id

),

final as (

    select
        events_per_person.person_id,
        events_per_person.page_views_30d,
        events_per_person.product_views_30d,
        events_per_person.searches_30d,
        events_per_person.cart_adds_30d,
        events_per_person.distinct_categories_30d,
        events_per_person.first_seen_at,
        events_per_person.last_seen_at,
        events_per_person.signed_up_at,
        events_per_person.last_cart_add_at,
        events_per_person.last_purchase_event_at,
        category_views.product_category as top_category_30d,
        coalesce(sessions_per_person.sessions_30d, 0) as sessions_30d,
        coalesce(sessions_per_person.abandoned_cart_sessions_30d, 0) as abandoned_cart_sessions_30d,
        coalesce(sessions_per_person.time_on_site_minutes_30d, 0) as time_on_site_minutes_30d,
        {{ ratio_half_up('events_per_person.luxury_views_30d', 'events_per_person.product_views_30d', 4) }}
            as luxury_view_share_30d,
        {{ ratio_half_up('events_per_person.sale_views_30d', 'events_per_person.product_views_30d', 4) }}
            as sale_view_share_30d
    from events_per_person
    left join sessions_per_person on events_per_person.person_id = sessions_per_person.person_id
    left join category_views
        on events_per_person.person_id = category_views.person_id and category_views.category_rank = 1

)

select * from final
