{#- Each person's primary segment at each as-of date built ('none' when in no segment).
    Incremental: a build replaces the rows of its own as-of date. fct_segment_transitions reads it. -#}
{#- Spark without Delta replaces the as-of date's partition instead. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite' if target.type == 'spark' else 'delete+insert',
    partition_by=['as_of_date'] if target.type == 'spark' else none,
    unique_key='as_of_date'
) }}

with

segments as (

    select * from {{ ref('dim_customer_segments') }}

),

final as (

    select
        person_id,
        as_of_date,
        coalesce(primary_segment, 'none') as primary_segment
    from segments

)

select * from final
