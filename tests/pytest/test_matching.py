"""Probabilistic matching: typo'd duplicate contacts linked with precision kept, blocking capped,
weights estimated from the data, evidence explained."""

from __future__ import annotations

import csv
import math
import os
import shutil
from unittest import mock

import estimate_match_weights
import evaluate_identity
from conftest import dbt, query


def on_duckdb(db):
    """The scripts read the warehouse the environment names: point them at db."""
    return mock.patch.dict(os.environ, {"UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"})


def test_probabilistic_edges_link_typod_duplicates_and_keep_precision(sample):
    with on_duckdb(sample.db):
        metrics = evaluate_identity.evaluate(sample.data_dir / "ground_truth")
    sweep = {row["threshold"]: row for row in metrics["probabilistic"]}
    deterministic, build = sweep[None], sweep["build"]
    assert build["people_with_duplicate_contacts"] >= 50, build  # the generator made enough to measure
    # Most typo'd duplicates share no identifier with their first record: deterministic rules miss them.
    assert deterministic["duplicate_contacts_linked"] < 0.6, deterministic
    assert build["duplicate_contacts_linked"] >= 0.9, build
    assert build["recall_all_pairs"] > deterministic["recall_all_pairs"], (build, deterministic)
    assert build["precision"] >= 0.995, build
    # A threshold of one half lets through pairs that only share names and a city: precision falls.
    assert sweep[0.5]["precision"] < build["precision"], sweep


def test_probabilistic_edges_are_identity_edges_with_evidence(sample):
    edges = query(
        sample.db,
        "select d.identifier_key_a, d.identifier_key_b, d.decision, s.match_probability, s.evidence "
        "from identity.int_identity_edge_decisions as d inner join identity.int_match_pairs_scored as s "
        "using (identifier_key_a, identifier_key_b) where d.source_model = 'probabilistic_match' order by 1, 2",
    )
    assert len(edges) >= 50
    assert all(decision == "kept" and probability >= 0.99 for _, _, decision, probability, _ in edges)
    a, b, _, probability, evidence = edges[0]
    explained = dbt("run-operation", "explain_identity_link", "--args", f'{{a: "{a}", b: "{b}"}}', db=sample.db).stdout
    assert "linked in 1 step(s)" in explained and "probabilistic_match row" in explained, explained
    assert f"match probability {probability}" in explained and evidence in explained, explained


def test_weights_are_estimated_from_labelled_and_random_pairs(sample, tmp_path):
    out = tmp_path / "weights.csv"
    with on_duckdb(sample.db):
        estimate_match_weights.main(["--out", str(out)])
    with out.open() as f:
        rows = {(r["comparison"], r["level"]): (float(r["m_probability"]), float(r["u_probability"])) for r in csv.DictReader(f)}

    def weight(comparison, level):
        m, u = rows[(comparison, level)]
        return math.log2(m / u)

    assert 0 < rows[("prior", "match")][0] < 0.5
    for field in estimate_match_weights.FIELDS:
        assert weight(field, "exact") > 2 > 0 > weight(field, "different"), field
    # Identifiers of place and birth are rarer than names: agreeing on them is stronger evidence.
    assert weight("postal_code", "exact") > weight("first_name", "exact")
    assert weight("birth_date", "exact") > weight("city", "exact")


def test_a_degenerate_blocking_rule_is_capped_and_warned_about(sample, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    rules = {
        "unified_segments_match_blocking_rules": [{"name": "same_city", "columns": ["city"]}],
        "unified_segments_match_max_block_size": 50,
    }
    models = ("-s", "int_match_records", "int_match_record_blocks", "int_match_candidate_pairs", "int_match_blocks_oversized")
    result = dbt("build", *models, db=db, vars=rules)
    assert "WARN" in result.stdout and "match_blocking_rules_do_not_explode" in result.stdout, result.stdout
    biggest = query(db, "select max(c) from (select count(*) as c from identity.int_match_records group by city)")[0][0]
    oversized = query(
        db, "select blocking_rule, block_size, skipped_pairs from identity.int_match_blocks_oversized order by 2 desc"
    )
    assert oversized[0] == ("same_city", biggest, biggest * (biggest - 1) // 2)
    # No pair comes from an oversized block: a city of hundreds of contacts is never cross-joined.
    largest_block = query(
        db,
        "select max(n) from (select r.city, count(*) as n from identity.int_match_candidate_pairs as p "
        "inner join identity.int_match_records as r on p.record_id_a = r.record_id group by r.city)",
    )[0][0]
    assert largest_block is None or largest_block <= 50 * 49 // 2

    bad = {"unified_segments_match_blocking_rules": [{"name": "by_country", "columns": ["country"]}]}
    result = dbt("build", *models, db=db, vars=bad, check=False)
    assert result.returncode != 0
    assert "rule 'by_country' uses unknown column 'country'" in result.stdout
