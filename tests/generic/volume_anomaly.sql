{#- Volume anomaly: the row count of the last complete day (the day before the as-of date, which
    an hourly pipeline is still loading) against the daily counts of the lookback_periods days
    before it; days without rows count as zero, so an outage is a drop, not a gap. With at least
    min_history days of history (counted from the oldest day with rows) that vary, it fails when
    the z-score passes sensitivity in the watched direction (both, drop or spike); with a shorter
    or constant history, when the change against the day before passes fallback_pct_change
    percent. Fails with one row: the day, its
    count, the history's length, mean and standard deviation, the z-score, the change and the
    reason. With feed, it checks nothing when the deployment does not expect that feed (see
    feed_is_expected). -#}
{% test volume_anomaly(model, timestamp_column, lookback_periods=28, min_history=7, sensitivity=3,
                       direction='both', fallback_pct_change=50, column_name=none, feed=none) %}
{%- if direction not in ('both', 'drop', 'spike') -%}
    {{ exceptions.raise_compiler_error("volume_anomaly on " ~ model ~ ": direction must be both, drop or spike, got '" ~ direction ~ "'") }}
{%- endif -%}
{%- if (min_history | int) < 2 or (lookback_periods | int) < (min_history | int) -%}
    {{ exceptions.raise_compiler_error("volume_anomaly on " ~ model ~ ": need 2 <= min_history <= lookback_periods") }}
{%- endif %}
{%- if feed is not none and not unified_segments.feed_is_expected(feed, 'volume_anomaly of ' ~ model) %}
select 1 as skipped where 1 = 0
{%- else %}

with

counts as (

    select
        {{ unified_segments.days_between(timestamp_column, unified_segments.as_of_date()) }} as days_back,
        count(*) as row_count
    from {{ model }}
    where
        {{ timestamp_column }} >= {{ unified_segments.as_of_window_start(lookback_periods + 2) }}
        and {{ timestamp_column }} < {{ unified_segments.as_of_window_start(1) }}
    group by {{ unified_segments.days_between(timestamp_column, unified_segments.as_of_date()) }}

),

history as (

    select
        max(days_back) - 1 as periods,
        sum(row_count) as sum_count,
        sum(row_count * row_count) as sum_square
    from counts
    where days_back > 1

),

scored as (

    select
        cast({{ dbt.dateadd('day', -1, unified_segments.as_of_date()) }} as date) as period,
        coalesce((select max(row_count) from counts where days_back = 1), 0) as row_count,
        coalesce((select max(row_count) from counts where days_back = 2), 0) as previous_count,
        coalesce(history.periods, 0) as history_periods,
        history.sum_count * 1.0 / history.periods as mean_count,
        case
            when history.periods > 1
                then sqrt(
                    greatest(history.sum_square - history.sum_count * 1.0 * history.sum_count / history.periods, 0)
                    / (history.periods - 1)
                )
        end as stddev_count
    from history

),

judged as (

    select
        *,
        coalesce(history_periods >= {{ min_history }} and stddev_count > 0, false) as uses_z_score,
        case when stddev_count > 0 then (row_count - mean_count) / stddev_count end as z_score,
        case
            when previous_count > 0 then 100.0 * (row_count - previous_count) / previous_count
        end as pct_change
    from scored

)

select
    period,
    row_count,
    previous_count,
    history_periods,
    round(mean_count, 2) as mean_count,
    round(stddev_count, 2) as stddev_count,
    round(z_score, 2) as z_score,
    round(pct_change, 1) as pct_change,
    case
        when uses_z_score
            then 'daily count ' || cast(row_count as {{ dbt.type_string() }}) || ' has z-score '
            || cast(round(z_score, 2) as {{ dbt.type_string() }}) || ' against the mean '
            || cast(round(mean_count, 0) as {{ dbt.type_string() }}) || ' of '
            || cast(history_periods as {{ dbt.type_string() }}) || ' days (sensitivity {{ sensitivity }}, {{ direction }})'
        else 'daily count ' || cast(row_count as {{ dbt.type_string() }}) || ' changed '
            || cast(round(pct_change, 1) as {{ dbt.type_string() }}) || '% from the day before (limit {{ fallback_pct_change }}%; history too short or constant for a z-score)'
    end as reason
from judged
where
    (
        uses_z_score
        and (
            {{ 'z_score < -' ~ sensitivity if direction in ('both', 'drop') else '1 = 0' }}
            or {{ 'z_score > ' ~ sensitivity if direction in ('both', 'spike') else '1 = 0' }}
        )
    )
    or (
        not uses_z_score
        and (
            {{ 'pct_change < -' ~ fallback_pct_change if direction in ('both', 'drop') else '1 = 0' }}
            or {{ 'pct_change > ' ~ fallback_pct_change if direction in ('both', 'spike') else '1 = 0' }}
        )
    )

{%- endif %}

{% endtest %}
