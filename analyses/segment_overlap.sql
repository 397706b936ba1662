-- Segment overlap: for every pair of segments, shared members and the Jaccard index
-- (shared / in either). A high index means two segments reach nearly the same people.
with

memberships as (

    select * from {{ ref('fct_segment_memberships') }}

),

sizes as (

    select
        segment_name,
        count(*) as members
    from memberships
    group by segment_name

),

shared as (

    select
        a.segment_name as segment_a,
        b.segment_name as segment_b,
        count(*) as shared_members
    from memberships as a
    inner join memberships as b
        on a.person_id = b.person_id and a.segment_name < b.segment_name
    group by a.segment_name, b.segment_name

),

final as (

    select
        size_a.segment_name as segment_a,
        size_b.segment_name as segment_b,
        size_a.members as members_a,
        size_b.members as members_b,
        coalesce(shared.shared_members, 0) as shared_members,
        {{ ratio_half_up(
            'coalesce(shared.shared_members, 0)',
            'size_a.members + size_b.members - coalesce(shared.shared_members, 0)',
            4
        ) }} as jaccard_index
    from sizes as size_a
    inner join sizes as size_b on size_a.segment_name < size_b.segment_name
    left join shared
        on size_a.segment_name = shared.segment_a and size_b.segment_name = shared.segment_b

)

select * from final
order by jaccard_index desc, segment_a asc, segment_b asc
