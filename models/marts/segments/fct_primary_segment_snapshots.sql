{#- Each person's primary segment at each as-of date built ('none' when in no segment).
    Incremental: a build replaces the rows of its own as-of date. fct_segment_transitions reads it. -#}
{{ config(unified_segments.replaced_per_as_of_date()) }}

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
