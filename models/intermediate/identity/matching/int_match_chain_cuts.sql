{#- The matches cut so that no chain of matches joins records that score clearly as different people
    (match probability below var unified_segments_match_contradiction_probability). In each match
    cluster with such a pair, the matches are taken strongest first (match weight, then record
    ids); a match is kept unless it would join two groups holding such a pair, and then it is cut.
    A chain a ~ b ~ c with a and c apart keeps its stronger match and cuts the other; three copies
    of one person keep every match. Clusters are small (test match_clusters_stay_small), so this
    runs in the template over their few pairs. int_match_edges leaves the cut matches out of the
    identity graph; reason names the pair each cut keeps apart. -#}
{%- set contradiction = required_var('unified_segments_match_contradiction_probability') %}
{%- set members, scored = ref('int_match_cluster_members'), ref('int_match_pairs_scored') %}
{%- set cuts = [] %}
{%- if execute and load_relation(members) is not none %}
    {#- The matches and the clearly different pairs inside clusters of three or more records (a chain
        needs three); a cluster without such a pair cuts nothing. -#}
    {%- set rows = run_query(
        "select a.cluster_id, s.record_id_a, s.record_id_b, s.is_match, s.match_weight, s.match_probability from "
        ~ scored ~ " as s inner join " ~ members ~ " as a on s.record_id_a = a.record_id inner join " ~ members
        ~ " as b on s.record_id_b = b.record_id and a.cluster_id = b.cluster_id"
        ~ " where a.cluster_records > 2 and (s.is_match or s.match_probability < " ~ contradiction ~ ")").rows %}
    {%- set clusters = {} %}
    {%- for row in rows %}
        {%- set cluster = clusters.setdefault(row[0], {'matches': [], 'apart': []}) %}
        {%- if row[3] %}
            {%- do cluster.matches.append({'a': row[1], 'b': row[2], 'weight': row[4] | float, 'probability': row[5]}) %}
        {%- else %}
            {%- do cluster.apart.append([row[1], row[2], row[5]]) %}
        {%- endif %}
    {%- endfor %}
    {%- for cluster_id, cluster in clusters | dictsort if cluster.apart %}
        {%- set group = {} %}
        {%- for match in cluster.matches | sort(attribute='a,b') | sort(attribute='weight', reverse=true) %}
            {%- set group_a, group_b = group.get(match.a, [match.a]), group.get(match.b, [match.b]) %}
            {%- if match.b not in group_a %}
                {%- set blocker = namespace(pair=none) %}
                {%- for x, y, p in cluster.apart if blocker.pair is none
                    and ((x in group_a and y in group_b) or (x in group_b and y in group_a)) %}
                    {%- set blocker.pair = x ~ ' ~ ' ~ y ~ ' (match probability ' ~ p ~ ')' %}
                {%- endfor %}
                {%- if blocker.pair %}
                    {%- do cuts.append({'a': match.a, 'b': match.b, 'cluster': cluster_id, 'probability': match.probability,
                                        'reason': 'would chain ' ~ blocker.pair ~ ', which score as different people'}) %}
                {%- else %}
                    {%- set joined = group_a + group_b %}
                    {%- for record in joined %}
                        {%- do group.update({record: joined}) %}
                    {%- endfor %}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}

{%- for cut in cuts %}
    select
        '{{ cut.a | replace("'", "''") }}' as record_id_a,
        '{{ cut.b | replace("'", "''") }}' as record_id_b,
        '{{ cut.cluster | replace("'", "''") }}' as cluster_id,
        cast({{ cut.probability }} as decimal(18, 6)) as match_probability,
        '{{ cut.reason | replace("'", "''") }}' as reason
    {{ 'union all' if not loop.last }}
{%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as record_id_a,
        cast(null as {{ dbt.type_string() }}) as record_id_b,
        cast(null as {{ dbt.type_string() }}) as cluster_id,
        cast(null as decimal(18, 6)) as match_probability,
        cast(null as {{ dbt.type_string() }}) as reason
    from {{ scored }}
    where 1 = 0
{%- endfor %}
