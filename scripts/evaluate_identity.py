"""Score identity resolution against the generator's ground truth.

    unified-segments evaluate --ground-truth data/sample/ground_truth

Reads identity.int_identifiers_resolved from the warehouse the profile points at (DuckDB is opened
read-only) and ground_truth/identifiers/*.parquet, and reports pairwise precision, recall and F1
over identifier pairs: a pair is predicted when both identifiers got the same person_id, true
when the generator gave both to the same person. Identifiers the truth gives to several people
(a household's shared device) have no right answer and are left out, and counted.

Recall is given twice. Over all true pairs; and over linkable pairs: two identifiers of one
person that the data connects through a chain of rows each showing two identifiers of that same
person. A browser that never logged in, or an address seen only on email opens, shares no row
with anything else of its owner's: no deterministic rule can link it (that is what probabilistic
matching is for), so linkable recall is what a perfect deterministic resolver reaches, and the
gap between the two recalls is the headroom left for probabilistic links.
Also: resolved persons vs true persons, the largest component, true identifiers that were blocked.

Probabilistic matching is scored at several thresholds: the person graph is recomputed here from
the build's kept deterministic edges plus the scored contact pairs at or above each threshold
(merge protection is not re-applied to them), and compared with deterministic edges alone:
precision, recall over all true pairs, F1, and the share of people the truth gives several
contact records (typo'd duplicates) whose records all resolved to one person.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import duckdb
import pyarrow as pa
import typer

from unified_segments.readme import update_section
from unified_segments.warehouse import connect, duckdb_path, target_name

EDGES_SQL = (
    "select identifier_key_a, identifier_key_b from identity.int_identifier_edges_aggregated "
    "where source_model <> 'probabilistic_match'"
)
KEPT_EDGES_SQL = (
    "select identifier_key_a, identifier_key_b from identity.int_identity_edge_decisions "
    "where decision = 'kept' and source_model <> 'probabilistic_match'"
)
SCORED_PAIRS_SQL = "select identifier_key_a, identifier_key_b, match_probability from identity.int_match_pairs_scored"
THRESHOLDS = [0.5, 0.9, 0.99, 0.999]
RESOLVED_SQL = """
    select identifier_type, identifier_value, person_id, component_size
    from identity.int_identifiers_resolved
"""

METRICS_SQL = """
with
owners as (
    select identifier_type, identifier_value, min(person_key) as person_key, count(distinct person_key) as owners
    from truth group by identifier_type, identifier_value
),
evaluated as (
    select o.person_key, r.person_id, l.evidence_group
    from owners as o
    inner join resolved as r using (identifier_type, identifier_value)
    inner join linkable as l on l.identifier_key = o.identifier_type || ':' || o.identifier_value
    where o.owners = 1 and r.person_id is not null
),
both_groups as (select count(*) as n from evaluated group by person_id, person_key),
predicted_groups as (select count(*) as n from evaluated group by person_id),
true_groups as (select count(*) as n from evaluated group by person_key),
linkable_hits as (select count(*) as n from evaluated group by evidence_group, person_id),
linkable_groups as (select count(*) as n from evaluated group by evidence_group)
select
    (select sum(n * (n - 1) / 2) from both_groups) as true_positive_pairs,
    (select sum(n * (n - 1) / 2) from predicted_groups) as predicted_pairs,
    (select sum(n * (n - 1) / 2) from true_groups) as true_pairs,
    (select sum(n * (n - 1) / 2) from linkable_hits) as linkable_pairs_found,
    (select sum(n * (n - 1) / 2) from linkable_groups) as linkable_pairs,
    (select count(*) from evaluated) as evaluated_identifiers,
    (select count(*) from owners where owners > 1) as shared_truth_identifiers,
    (select count(*) from owners o inner join resolved r using (identifier_type, identifier_value)
        where o.owners = 1 and r.person_id is null) as owned_identifiers_blocked,
    (select count(*) from owners o anti join resolved r using (identifier_type, identifier_value))
        as truth_identifiers_not_staged,
    (select count(distinct person_id) from evaluated) as resolved_persons,
    (select count(distinct person_key) from evaluated) as true_persons,
    (select max(component_size) from resolved) as largest_component
"""


WAREHOUSE_VIEWS = {"resolved": RESOLVED_SQL, "edges": EDGES_SQL, "kept_edges": KEPT_EDGES_SQL, "scored_pairs": SCORED_PAIRS_SQL}


def load_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Make the warehouse's relations in WAREHOUSE_VIEWS visible to con under those names."""
    if target_name() == "duckdb":
        con.execute(f"attach '{duckdb_path()}' as wh (read_only)")
        for name, sql in WAREHOUSE_VIEWS.items():
            con.execute(f"create view {name} as {sql.replace('identity.', 'wh.identity.')}")
        return
    wh = connect()
    try:
        for name, sql in WAREHOUSE_VIEWS.items():
            with wh.con.cursor() as cur:
                cur.execute(sql)
                columns = [d[0] for d in cur.description]
                rows = cur.fetchall()
            con.register(name, pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)}))
    finally:
        wh.close()


def linkable_groups(con: duckdb.DuckDBPyConnection) -> None:
    """Table `linkable`: each owned identifier's evidence group (see the module docstring)."""
    owned = con.execute("""
        select identifier_type || ':' || identifier_value, min(person_key) from truth
        group by identifier_type, identifier_value having count(distinct person_key) = 1""").fetchall()
    owner = dict(owned)
    edges = con.execute("select identifier_key_a, identifier_key_b from edges").fetchall()
    groups = components(owner, [(a, b) for a, b in edges if a in owner and b in owner and owner[a] == owner[b]])
    con.register("linkable", pa.table({"identifier_key": list(groups), "evidence_group": list(groups.values())}))


def components(keys, links) -> dict[str, str]:
    """Each key's component (a representative key) in the graph of links (union-find)."""
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in links:
        parent[root(a)] = root(b)
    return {key: root(key) for key in parent}


def evaluate(ground_truth: Path) -> dict:
    con = duckdb.connect()
    con.execute(f"create view truth as select * from read_parquet('{ground_truth}/identifiers/*.parquet')")
    load_warehouse(con)
    linkable_groups(con)
    cursor = con.execute(METRICS_SQL)
    names = [d[0] for d in cursor.description]
    metrics = {name: (int(value) if value is not None else 0) for name, value in zip(names, cursor.fetchall()[0], strict=True)}
    tp, predicted, true = metrics["true_positive_pairs"], metrics["predicted_pairs"], metrics["true_pairs"]
    metrics["precision"] = tp / predicted if predicted else 1.0
    metrics["recall_all_pairs"] = tp / true if true else 1.0
    linkable = metrics["linkable_pairs"]
    metrics["recall"] = metrics["linkable_pairs_found"] / linkable if linkable else 1.0
    p, r = metrics["precision"], metrics["recall"]
    metrics["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    metrics["probabilistic"] = threshold_sweep(con, THRESHOLDS)
    return metrics


def pairs(sizes) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def score(roots: dict[str, str], owner: dict[str, str], duplicated: list[list[str]]) -> dict:
    """Pairwise precision, recall and F1 of a resolution (identifier -> group), and the share of
    people with several contact records whose records all landed in one group."""
    tp = pairs(Counter((roots[k], owner[k]) for k in owner).values())
    predicted = pairs(Counter(roots.values()).values())
    true = pairs(Counter(owner.values()).values())
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    linked = sum(len({roots[k] for k in keys}) == 1 for keys in duplicated)
    return {
        "precision": precision,
        "recall_all_pairs": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "duplicate_contacts_linked": linked / len(duplicated) if duplicated else 1.0,
        "people_with_duplicate_contacts": len(duplicated),
    }


def threshold_sweep(con: duckdb.DuckDBPyConnection, thresholds: list[float]) -> list[dict]:
    """The build's own resolution (threshold 'build'), deterministic edges alone (threshold None),
    and deterministic edges plus the probabilistic pairs at each threshold (see the module docstring)."""
    rows = con.execute("""
        select o.identifier_type || ':' || o.identifier_value, min(o.person_key), min(r.person_id)
        from truth as o inner join resolved as r using (identifier_type, identifier_value)
        where r.person_id is not null
        group by o.identifier_type, o.identifier_value having count(distinct o.person_key) = 1""").fetchall()
    resolved = {key: (person, person_id) for key, person, person_id in rows}
    owner = {key: person for key, (person, _) in resolved.items()}
    kept = [(a, b) for a, b in con.execute("select * from kept_edges").fetchall() if a in owner and b in owner]
    scored = [(a, b, float(p)) for a, b, p in con.execute("select * from scored_pairs").fetchall() if a in owner and b in owner]
    contacts: dict[str, list[str]] = {}
    for key, person in owner.items():
        if key.startswith("contact_id:"):
            contacts.setdefault(person, []).append(key)
    duplicated = [keys for keys in contacts.values() if len(keys) > 1]
    results = [{"threshold": "build", **score({k: r for k, (_, r) in resolved.items()}, owner, duplicated)}]
    for threshold in [None, *thresholds]:
        links = kept + [(a, b) for a, b, p in scored if threshold is not None and p >= threshold]
        results.append({"threshold": threshold, **score(components(owner, links), owner, duplicated)})
    return results


def format_sweep(results: list[dict]) -> str:
    lines = [
        "| probabilistic edges | precision | recall (all pairs) | F1 | typo'd duplicate contacts linked |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        if r["threshold"] == "build":
            continue  # the table above
        label = "none (deterministic only)" if r["threshold"] is None else f"match probability >= {r['threshold']}"
        lines.append(
            f"| {label} | {r['precision']:.4f} | {r['recall_all_pairs']:.4f} | {r['f1']:.4f} | "
            f"{r['duplicate_contacts_linked']:.1%} of {r['people_with_duplicate_contacts']:,} |"
        )
    return "\n".join(lines)


def format_table(metrics: dict) -> str:
    rows = [
        ("pairwise precision", f"{metrics['precision']:.4f}"),
        ("pairwise recall (linkable pairs)", f"{metrics['recall']:.4f}"),
        ("pairwise F1 (linkable pairs)", f"{metrics['f1']:.4f}"),
        ("pairwise recall (all true pairs)", f"{metrics['recall_all_pairs']:.4f}"),
        ("resolved persons", f"{metrics['resolved_persons']:,}"),
        ("true persons", f"{metrics['true_persons']:,}"),
        ("largest component (identifiers)", f"{metrics['largest_component']:,}"),
        ("identifiers evaluated", f"{metrics['evaluated_identifiers']:,}"),
        ("left out: shared in the truth", f"{metrics['shared_truth_identifiers']:,}"),
        ("owned identifiers blocked", f"{metrics['owned_identifiers_blocked']:,}"),
        ("truth identifiers not staged", f"{metrics['truth_identifiers_not_staged']:,}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>12}" for name, value in rows)


def main(
    ground_truth: Annotated[Path, typer.Option(help="the generator's ground_truth folder")] = Path("data/sample/ground_truth"),
    as_json: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
    update_readme: Annotated[bool, typer.Option("--update-readme", help="publish the table in the README")] = False,
) -> None:
    metrics = evaluate(ground_truth)
    table = format_table(metrics) + "\n\nProbabilistic matching, by threshold:\n\n" + format_sweep(metrics["probabilistic"])
    print(json.dumps(metrics, indent=2) if as_json else table)
    if update_readme:
        metadata = json.loads((ground_truth.parent / "metadata.json").read_text())
        update_section(
            "identity",
            "\n".join(
                [
                    f"Measured by `unified-segments evaluate --ground-truth {ground_truth} --update-readme` "
                    f"on generated data ({metadata['people']:,} people, seed {metadata['seed']}):",
                    "",
                    "```",
                    format_table(metrics),
                    "```",
                    "",
                    "Probabilistic matching at several thresholds (the build uses var unified_segments_match_threshold):",
                    "",
                    format_sweep(metrics["probabilistic"]),
                ]
            ),
        )


if __name__ == "__main__":  # run as a file, python scripts/evaluate_identity.py: the same command as in unified-segments
    typer.run(main)
