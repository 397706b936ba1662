{#- The raw feeds a deployment may have, and whether it has each one. Var
    unified_segments_expected_feeds lists the feeds this deployment expects; null (the default)
    expects those whose raw table exists and has rows. A health guard (recency, volume, a
    segment's minimum size) on a feed that is expected judges it, and fails loudly when it is
    empty or stale; on a feed that is not expected it checks nothing and logs that it was skipped
    and why. -#}
{% macro feeds() -%}
    {{ return({
        'events': ('tracking', 'events'),
        'crm_contacts': ('crm', 'crm_contacts'),
        'transactions': ('shop', 'transactions'),
        'privacy_requests': ('privacy', 'privacy_requests')
    }) }}
{%- endmacro %}

{#- Whether feed is expected; when it is not, logs "<check>: skipped, ..." with the reason. -#}
{% macro feed_is_expected(feed, check) -%}
    {{ return(adapter.dispatch('feed_is_expected', 'unified_segments')(feed, check)) }}
{%- endmacro %}

{% macro default__feed_is_expected(feed, check) -%}
    {%- set feeds = unified_segments.feeds() -%}
    {%- if feed not in feeds -%}
        {{ exceptions.raise_compiler_error(check ~ ": unknown feed '" ~ feed ~ "'; feeds are " ~ (feeds.keys() | join(', '))) }}
    {%- endif -%}
    {%- set expected = var('unified_segments_expected_feeds', none) -%}
    {%- if expected is not none -%}
        {%- if expected is string or expected is mapping -%}
            {{ exceptions.raise_compiler_error(
                "var unified_segments_expected_feeds must be a list of feeds (" ~ (feeds.keys() | join(', '))
                ~ ") or null, got '" ~ expected ~ "'") }}
        {%- endif -%}
        {%- for name in expected if name not in feeds -%}
            {{ exceptions.raise_compiler_error(
                "var unified_segments_expected_feeds names '" ~ name ~ "', which is no feed; feeds are "
                ~ (feeds.keys() | join(', '))) }}
        {%- endfor -%}
        {%- if feed not in expected and execute -%}
            {%- do log(check ~ ": skipped, feed " ~ feed ~ " is not in var unified_segments_expected_feeds", info=true) -%}
        {%- endif -%}
        {{ return(feed in expected) }}
    {%- endif -%}
    {%- set relation = source(feeds[feed][0], feeds[feed][1]) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set has_rows = load_relation(relation) is not none
        and run_query('select 1 from ' ~ relation ~ ' limit 1').rows | length > 0 -%}
    {%- if not has_rows -%}
        {%- do log(check ~ ": skipped, feed " ~ feed ~ " has no rows in " ~ relation
            ~ " (list it in var unified_segments_expected_feeds to require it)", info=true) -%}
    {%- endif -%}
    {{ return(has_rows) }}
{%- endmacro %}
