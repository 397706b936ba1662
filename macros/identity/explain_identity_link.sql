{#- Why are two identifiers the same person (or not)? Prints the shortest chain of kept edges
    that links them, each with the source model, an example source row, how often and when the
    pair was seen; or, when they belong to different people, the dropped edges at either end and
    the rules that dropped them. A probabilistic link shows its match probability and the
    field-by-field evidence.

        dbt run-operation explain_identity_link --args '{a: "email:ann@example.com", b: "user_id:u_1f2e"}'

    Identifiers are written <type>:<normalised value>, as in int_identifiers_resolved. -#}
{% macro explain_identity_link(a, b) %}
    {%- set resolved = ref('int_identifiers_resolved') -%}
    {%- set decisions = ref('int_identity_edge_decisions') -%}
    {%- set found = run_query(
        "select identifier_key, person_id, resolution, block_rule from " ~ resolved
        ~ " where identifier_key in ('" ~ a | replace("'", "''") ~ "', '" ~ b | replace("'", "''") ~ "')") -%}
    {%- set people = {} -%}
    {%- for row in found.rows -%}
        {%- do people.update({row[0]: row}) -%}
    {%- endfor -%}
    {%- for key in [a, b] if key not in people -%}
        {{ print(key ~ ": no such identifier (write it as <type>:<normalised value>)") }}
        {{ return(none) }}
    {%- endfor -%}
    {%- for key in [a, b] if people[key][2] == 'blocked' -%}
        {{ print(key ~ " is blocked and links no one: " ~ people[key][3]) }}
        {{ return(none) }}
    {%- endfor -%}

    {%- if people[a][1] != people[b][1] -%}
        {{ print(a ~ " is person " ~ people[a][1] ~ "; " ~ b ~ " is person " ~ people[b][1] ~ ". Dropped links at either end:") }}
        {%- set dropped = run_query(
            "select identifier_key_a, identifier_key_b, drop_rule from " ~ decisions
            ~ " where decision = 'dropped' and (identifier_key_a in ('" ~ a ~ "', '" ~ b ~ "') or identifier_key_b in ('"
            ~ a ~ "', '" ~ b ~ "')) order by 1, 2") -%}
        {%- for row in dropped.rows -%}
            {{ print("  " ~ row[0] ~ " -x- " ~ row[1] ~ ": " ~ row[2]) }}
        {%- else -%}
            {{ print("  none: no row ever showed them with a shared identifier") }}
        {%- endfor -%}
        {{ return(none) }}
    {%- endif -%}

    {%- set edges = run_query(
        "select d.identifier_key_a, d.identifier_key_b, d.source_model, d.example_source_row_key, d.observation_count,"
        ~ " d.first_seen_at, d.last_seen_at from " ~ decisions ~ " as d inner join " ~ resolved ~ " as r"
        ~ " on d.identifier_key_a = r.identifier_key where d.decision = 'kept' and r.person_id = '" ~ people[a][1]
        ~ "' order by 1, 2, 3") -%}
    {%- set neighbours = {} -%}
    {%- for row in edges.rows -%}
        {%- do neighbours.setdefault(row[0], []).append((row[1], row)) -%}
        {%- do neighbours.setdefault(row[1], []).append((row[0], row)) -%}
    {%- endfor -%}
    {#- Breadth-first search from a; came_from records the edge that reached each identifier. -#}
    {%- set came_from = {a: none} -%}
    {%- set ns = namespace(frontier=[a]) -%}
    {%- for hop in range(neighbours | length) if ns.frontier and b not in came_from -%}
        {%- set next_frontier = [] -%}
        {%- for key in ns.frontier -%}
            {%- for neighbour, row in neighbours.get(key, []) if neighbour not in came_from -%}
                {%- do came_from.update({neighbour: (key, row)}) -%}
                {%- do next_frontier.append(neighbour) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ns.frontier = next_frontier -%}
    {%- endfor -%}
    {%- set path = [] -%}
    {%- set ns.key = b -%}
    {%- for hop in range(came_from | length) if came_from[ns.key] is not none -%}
        {%- do path.insert(0, came_from[ns.key][1]) -%}
        {%- set ns.key = came_from[ns.key][0] -%}
    {%- endfor -%}
    {{ print(a ~ " and " ~ b ~ " are person " ~ people[a][1] ~ ", linked in " ~ path | length ~ " step(s):") }}
    {%- for row in path -%}
        {{ print("  " ~ row[0] ~ " --- " ~ row[1] ~ "  [" ~ row[2] ~ " row " ~ row[3] ~ "; seen together "
                 ~ row[4] ~ "x, " ~ row[5] ~ " to " ~ row[6] ~ "]") }}
        {%- if row[2] == 'probabilistic_match' -%}
            {%- set scored = run_query(
                "select match_probability, match_weight, evidence, record_id_a from " ~ ref('int_match_pairs_explained')
                ~ " where identifier_key_a = '" ~ row[0] ~ "' and identifier_key_b = '" ~ row[1] ~ "'") -%}
            {{ print("      match probability " ~ scored.rows[0][0] ~ " (weight " ~ scored.rows[0][1] ~ "): "
                     ~ scored.rows[0][2]) }}
            {%- set cluster = run_query(
                "select q.records, q.contradictions, q.cut_matches, q.weakest_contradiction from "
                ~ ref('int_match_cluster_quality') ~ " as q inner join " ~ ref('int_match_cluster_members')
                ~ " as m on q.cluster_id = m.cluster_id where m.record_id = '" ~ scored.rows[0][3] ~ "' and q.contradictions > 0") -%}
            {%- for flagged in cluster.rows -%}
                {{ print("      WARNING: this match is one of a chain: its cluster of " ~ flagged[0] ~ " contact records held "
                         ~ flagged[1] ~ " pair(s) that score as different people (the weakest " ~ flagged[3] ~ "), and "
                         ~ flagged[2] ~ " match(es) were cut (int_match_chain_cuts)") }}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}
