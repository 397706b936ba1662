{#- Materialization: connected components of an undirected graph, in SQL, on any engine.

    The model's SQL returns edges as two integer columns, node_a and node_b; a node with no edge
    appears as (n, n). The result is a table (node, component, rounds): component is the same
    node id for every node of a component, rounds how many rounds it took.

    Algorithm: labels start as the node itself; each round every node takes the smallest label
    among itself and its neighbours, every label (a root) also adopts the smallest label seen
    across its members' edges (hooking), and then every node jumps to its label's label (pointer
    jumping). Hooking roots and jumping pointers halve the distance to the minimum each round, so a
    component of diameter d converges in O(log d) rounds, not d. It stops as soon as no label
    changed, and fails (rather than return unconverged labels) after max_rounds
    (config max_rounds, default var unified_segments_identity_max_rounds).

    Every statement is plain CREATE TABLE AS / DROP / RENAME with joins and GROUP BY, so the same
    code runs on DuckDB, PostgreSQL and Spark. -#}
{% materialization connected_components, default %}

    {%- set max_rounds = config.get('max_rounds') or unified_segments.required_var('unified_segments_identity_max_rounds') -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}

    {%- set edges = this.incorporate(path={'identifier': this.identifier ~ '__cc_edges'}, type='table') -%}
    {%- set labels = this.incorporate(path={'identifier': this.identifier ~ '__cc_labels'}, type='table') -%}
    {%- set next_labels = this.incorporate(path={'identifier': this.identifier ~ '__cc_next'}, type='table') -%}
    {%- set result = this.incorporate(path={'identifier': this.identifier ~ '__cc_result'}, type='table') -%}

    {{ run_hooks(pre_hooks) }}

    {% for relation in [edges, labels, next_labels, result] %}
        {% do adapter.drop_relation(relation) %}
    {% endfor %}

    {#- Both directions of every edge, once. -#}
    {% call statement('cc_edges') %}
        create table {{ edges }} as
        with model_edges as (
            {{ sql }}
        )
        select node_a as node, node_b as neighbour from model_edges
        union
        select node_b as node, node_a as neighbour from model_edges
    {% endcall %}

    {% call statement('cc_labels') %}
        create table {{ labels }} as
        select node, min(neighbour) as label
        from (select node, node as neighbour from {{ edges }} union all select node, neighbour from {{ edges }}) as candidates
        group by node
    {% endcall %}

    {%- set ns = namespace(rounds=0, changed=1) -%}
    {% for round in range(1, max_rounds + 1) if ns.changed > 0 %}
        {% call statement('cc_round') %}
            create table {{ next_labels }} as
            with neighbour_min as (
                -- the smallest label among each node's neighbours
                select e.node, min(l.label) as label
                from {{ edges }} as e
                inner join {{ labels }} as l on e.neighbour = l.node
                group by e.node
            ),
            root_hooks as (
                -- each label (a root) adopts the smallest label seen across its members' edges
                select own.label as node, min(nm.label) as label
                from {{ labels }} as own
                inner join neighbour_min as nm on own.node = nm.node
                group by own.label
            ),
            hooked as (
                select
                    l.node,
                    least(l.label, coalesce(nm.label, l.label), coalesce(rh.label, l.label)) as label
                from {{ labels }} as l
                left join neighbour_min as nm on l.node = nm.node
                left join root_hooks as rh on l.node = rh.node
            )
            -- pointer jumping: every node moves to its label's label
            select h.node, least(h.label, parent.label) as label
            from hooked as h
            inner join hooked as parent on h.label = parent.node
        {% endcall %}
        {%- set changed = run_query("select count(*) from " ~ next_labels ~ " as n inner join " ~ labels
                                    ~ " as l on n.node = l.node where n.label <> l.label") -%}
        {%- set ns.changed = changed.columns[0].values()[0] | int -%}
        {%- set ns.rounds = round -%}
        {% do adapter.drop_relation(labels) %}
        {% do adapter.rename_relation(next_labels, labels) %}
        {{ log("connected components " ~ this.identifier ~ ": round " ~ round ~ ", " ~ ns.changed ~ " labels changed") }}
    {% endfor %}

    {% if ns.changed > 0 %}
        {% do adapter.drop_relation(edges) %}
        {% do adapter.drop_relation(labels) %}
        {{ exceptions.raise_compiler_error(
            "connected components for " ~ this ~ " did not converge in " ~ max_rounds ~ " rounds ("
            ~ ns.changed ~ " labels still changing). A component this deep suggests a runaway merge; "
            ~ "raise var unified_segments_identity_max_rounds only if the graph is right.") }}
    {% endif %}

    {% call statement('main') %}
        create table {{ result }} as
        select node, label as component, {{ ns.rounds }} as rounds
        from {{ labels }}
    {% endcall %}

    {% if existing is not none %}
        {% do adapter.drop_relation(existing) %}
    {% endif %}
    {% do adapter.rename_relation(result, target_relation) %}
    {% do adapter.drop_relation(edges) %}
    {% do adapter.drop_relation(labels) %}

    {{ run_hooks(post_hooks) }}
    {% do adapter.commit() %}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
