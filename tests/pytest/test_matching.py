"""Probabilistic matching: typo'd duplicate contacts linked with precision kept, blocking capped,
weights estimated from the data, evidence explained."""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import re
import shutil
from unittest import mock

import pytest

from conftest import NOT_A_LIVE_FEED, dbt, load, query, write_csv
from unified_segments import evaluate_identity, febrl, load_raw, match_weights
from unified_segments.warehouse import DuckDBWarehouse


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
    assert build["precision"] >= 0.999, build


def test_probabilistic_edges_are_identity_edges_with_evidence(sample):
    edges = query(
        sample.db,
        "select d.identifier_key_a, d.identifier_key_b, d.decision, s.match_probability, s.evidence "
        "from identity.int_identity_edge_decisions as d inner join identity.int_match_pairs_explained as s "
        "using (identifier_key_a, identifier_key_b) where d.source_model = 'probabilistic_match' order by 1, 2",
    )
    assert len(edges) >= 50
    assert all(decision == "kept" and probability >= 0.99 for _, _, decision, probability, _ in edges)
    a, b, _, probability, evidence = edges[0]
    explained = dbt("run-operation", "explain_identity_link", "--args", f'{{a: "{a}", b: "{b}"}}', db=sample.db).stdout
    assert "linked in 1 step(s)" in explained and "probabilistic_match row" in explained, explained
    assert f"match probability {probability}" in explained and evidence in explained, explained


def test_the_build_estimates_its_weights_without_labels_and_they_agree_with_the_labels(sample, tmp_path):
    weights = {
        (c, level): (m, u, source)
        for c, level, m, u, source in query(
            sample.db, "select comparison, level, m_probability, u_probability, estimated_from from identity.int_match_weights"
        )
    }

    def weight(comparison, level):
        m, u, _ = weights[(comparison, level)]
        return math.log2(m / u)

    # The prior is the chance that two random records are one person: the generator duplicated
    # about 2% of 3,000 contacts, so roughly 60 pairs among 4.5 million.
    assert 1e-6 < weights[("prior", "match")][0] < 1e-4
    for field in ("first_name", "last_name", "birth_date", "postal_code", "address_line", "city"):
        assert weight(field, "exact") > 2 > 0 > weight(field, "different"), field
        assert weights[(field, "exact")][2].startswith("build: EM over"), weights[(field, "exact")]
    # Identifiers of place and birth are rarer than names: agreeing on them is stronger evidence.
    assert weight("postal_code", "exact") > weight("first_name", "exact")
    assert weight("birth_date", "exact") > weight("city", "exact")

    # The contacts that share an email or phone were not used; their levels check the estimate.
    with on_duckdb(sample.db):
        labelled = match_weights.labelled_shares(DuckDBWarehouse(sample.db, read_only=True))
    for field in ("first_name", "last_name", "birth_date", "postal_code", "address_line", "city"):
        assert labelled[(field, "exact")] > 0.7 and weights[(field, "exact")][0] > 0.6, field
        assert labelled.get((field, "different"), 0) < 0.05 and weights[(field, "different")][0] < 0.05, field

    out = tmp_path / "frozen.csv"
    with on_duckdb(sample.db):
        match_weights.main(freeze=True, out=out)
    with out.open() as f:
        frozen = {(r["comparison"], r["level"]): float(r["m_probability"]) for r in csv.DictReader(f)}
    assert frozen.keys() == weights.keys()
    assert all(abs(frozen[key] - weights[key][0]) < 1e-12 for key in frozen)


# Three fields, each level's m (one person) and u (different people), and the share of all pairs
# that are one person; the pattern counts below are exactly what they imply.
TRUE_M = {
    "first_name": {"exact": 0.8, "typo": 0.1, "two_typos": 0.03, "prefix": 0.02, "sounds_alike": 0.02, "different": 0.03},
    "birth_date": {
        "exact": 0.85,
        "month_day_swapped": 0.03,
        "typo": 0.05,
        "two_typos": 0.03,
        "within_year": 0.02,
        "different": 0.02,
    },
    "city": {"exact": 0.9, "different": 0.1},
}
TRUE_U = {
    "first_name": {"exact": 0.02, "typo": 0.01, "two_typos": 0.01, "prefix": 0.005, "sounds_alike": 0.005, "different": 0.95},
    "birth_date": {
        "exact": 0.001,
        "month_day_swapped": 0.0005,
        "typo": 0.0045,
        "two_typos": 0.01,
        "within_year": 0.03,
        "different": 0.954,
    },
    "city": {"exact": 0.001, "different": 0.999},
}
RECORDS = 10_000
TRUE_PRIOR = 1e-4


def test_em_recovers_the_m_probabilities_and_the_prior_that_made_the_pairs(tmp_path):
    fields = list(TRUE_M)
    all_pairs = RECORDS * (RECORDS - 1) / 2
    matches, others = all_pairs * TRUE_PRIOR, all_pairs * (1 - TRUE_PRIOR)
    rows = []
    for pattern in itertools.product(*(TRUE_M[f] for f in fields)):
        levels = dict(zip(fields, pattern, strict=True))
        m = math.prod(TRUE_M[f][levels[f]] for f in fields)
        u = math.prod(TRUE_U[f][levels[f]] for f in fields)
        text = "|".join(pattern)
        rows.append({"pair_sample": "random", "pattern": text, "pairs": 10_000_000 * u})
        pairs = matches * m + others * u
        # Blocking on city and on birth date: each rule's pairs agree on its field.
        if levels["city"] == "exact":
            rows.append({"pair_sample": "rule", "blocking_rule": "city", "fixed_fields": "city", "pattern": text, "pairs": pairs})
        if levels["birth_date"] == "exact":
            rows.append(
                {"pair_sample": "rule", "blocking_rule": "birth", "fixed_fields": "birth_date", "pattern": text, "pairs": pairs}
            )
        if "exact" in (levels["city"], levels["birth_date"]):
            rows.append({"pair_sample": "candidate", "pattern": text, "pairs": pairs})
    vars = {
        "unified_segments_match_fields": [
            {"field": "first_name", "comparison": "name"},
            {"field": "birth_date", "comparison": "date"},
            {"field": "city", "comparison": "exact"},
        ]
    }
    args = json.dumps({"rows": rows, "records": RECORDS})
    out = dbt("run-operation", "print_match_weights_estimate", "--args", args, db=tmp_path / "none.duckdb", vars=vars).stdout
    estimate = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    m = {(w["comparison"], w["level"]): w["m"] for w in estimate["weights"]}
    for field, levels in TRUE_M.items():
        for level, true in levels.items():
            assert abs(m[(field, level)] - true) < 0.005, (field, level, m[(field, level)], true)
    # Both rules converged from a cold start (no seed), before the cap of 500 iterations.
    assert {rule: fit["iterations"] < 500 for rule, fit in estimate["rules"].items()} == {"city": True, "birth": True}
    # Blocking misses the matches that agree on neither city nor birth date (0.1 x 0.15 of them),
    # so the prior comes out that much low, never high.
    assert 0.98 * TRUE_PRIOR < m[("prior", "match")] <= TRUE_PRIOR


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
        "inner join identity.int_match_records as r on p.record_number_a = r.record_number group by r.city)",
    )[0][0]
    assert largest_block is None or largest_block <= 50 * 49 // 2

    bad = {"unified_segments_match_blocking_rules": [{"name": "by_country", "columns": ["country"]}]}
    result = dbt("build", *models, db=db, vars=bad, check=False)
    assert result.returncode != 0
    assert "rule 'by_country' uses unknown column 'country'" in result.stdout


MATCHING = ("--select", "int_match_*")
DEFAULT_FIELDS = [
    {"field": "first_name", "comparison": "name", "term_frequencies": True},
    {"field": "last_name", "comparison": "name", "term_frequencies": True},
    {"field": "birth_date", "comparison": "date"},
    {"field": "postal_code", "comparison": "code", "term_frequencies": True},
    {"field": "address_line", "comparison": "text"},
    {"field": "city", "comparison": "exact", "term_frequencies": True},
]


def test_a_field_added_by_configuration_is_compared_and_weighed_from_the_data(sample, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    added = [{"field": "country", "comparison": "exact"}, {"field": "created_at", "comparison": "date"}]
    fields = {"unified_segments_match_fields": [*DEFAULT_FIELDS, *added]}
    dbt("build", *MATCHING, db=db, vars=fields)
    signed_up = query(db, "select distinct created_at_level from identity.int_match_pairs_scored")
    assert {"exact", "different"} <= {level for (level,) in signed_up}, signed_up
    country = query(db, "select level, estimated_from from identity.int_match_weights where comparison = 'country' order by 1")
    assert [level for level, _ in country] == ["different", "exact"]
    assert all(source.startswith("build: EM over") for _, source in country), country
    levels = query(db, "select country_level, count(*) from identity.int_match_pairs_scored group by 1 order by 1")
    assert {"exact", "different"} <= {level for level, _ in levels}, levels

    # Frozen weights from before the field cannot weigh it: the guard fails and names it.
    frozen = {**fields, "unified_segments_match_weights": "seed"}
    result = dbt("build", *MATCHING, db=db, vars=frozen, check=False)
    assert result.returncode != 0 and "FAIL" in result.stdout and "match_levels_have_weights" in result.stdout, result.stdout
    unweighted = query(db, "select distinct unweighted_levels from identity.int_match_pairs_scored where unweighted_levels <> ''")
    named = {item.split()[0] for (text,) in unweighted for item in text.split(", ") if item}
    assert named == {"country", "created_at"}, unweighted


BAD_MATCH_CONFIG = {
    "unknown comparison": (
        {"unified_segments_match_fields": [{"field": "first_name", "comparison": "fuzzy"}]},
        "var unified_segments_match_fields: entry 1 needs a field and a comparison (one of name, date, code, text, exact)",
    ),
    "unknown key": (
        {"unified_segments_match_fields": [{"field": "first_name", "comparison": "name", "weight": 2}]},
        "var unified_segments_match_fields: field 'first_name' has unknown key 'weight'",
    ),
    "listed twice": (
        {"unified_segments_match_fields": [{"field": "city", "comparison": "exact"}, {"field": "city", "comparison": "text"}]},
        "var unified_segments_match_fields: field 'city' is listed twice",
    ),
    "no such column": (
        {"unified_segments_match_fields": [{"field": "shoe_size", "comparison": "exact"}]},
        "var unified_segments_match_fields: field 'shoe_size' is no column of stg_crm__contacts",
    ),
    "no random pairs": (
        {"unified_segments_match_u_sample_offsets": 0},
        "var unified_segments_match_u_sample_offsets: expected a whole number of 1 or more (random pairs per record), got '0'",
    ),
    "unknown weights source": (
        {"unified_segments_match_weights": "learned"},
        "var unified_segments_match_weights: expected 'build' or 'seed', got 'learned'",
    ),
}


@pytest.mark.parametrize("case", BAD_MATCH_CONFIG)
def test_bad_match_configuration_fails_naming_the_var_and_the_entry(sample, tmp_path, case):
    config, message = BAD_MATCH_CONFIG[case]
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    result = dbt("build", *MATCHING, db=db, vars=config, check=False)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-3000:]


@pytest.fixture(scope="module")
def febrl1_without_addresses(tmp_path_factory):
    """FEBRL 1 (1,000 records, 500 people with a corrupted copy) as a CRM list with neither address
    nor postal code, built plainly."""
    people = febrl.records("febrl1")
    root = tmp_path_factory.mktemp("febrl1")
    (root / "raw").mkdir()
    contacts = febrl.contacts(people).drop(columns=["address_line", "postal_code"])
    contacts.to_csv(root / "raw" / "crm_contacts.csv", index=False)
    db = root / "warehouse.duckdb"
    load(root / "raw", db)
    dbt("build", db=db)
    return db, people


def test_a_list_without_addresses_or_postal_codes_is_matched_on_the_fields_it_has(febrl1_without_addresses):
    db, people = febrl1_without_addresses
    compared = {c for (c,) in query(db, "select distinct comparison from identity.int_match_weights")}
    assert compared == {"prior", "first_name", "last_name", "birth_date", "city"}
    # The postal-code rule blocks on a field the list lacks: it pairs no one, and says so.
    assert query(db, "select candidate_pairs from identity.int_match_blocking_rules where blocking_rule = 'postal_code'") == [
        (0,)
    ]
    matched = {
        tuple(sorted(p)) for p in query(db, "select record_id_a, record_id_b from identity.int_match_pairs_scored where is_match")
    }
    score = febrl.scores(matched, febrl.true_pairs(people))
    # Measured 1.000 / 0.876: with names, birth date and suburb only, a pair missing one name and
    # living elsewhere stays below the threshold.
    assert score["precision"] >= 0.99 and score["recall"] >= 0.85, score


def american_soundex(name: str) -> str:
    """The US National Archives' rules, written out for comparison with the SQL."""
    codes = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"), "l": "4"}
    codes |= {**dict.fromkeys("mn", "5"), "r": "6"}
    digits, last = [], codes.get(name[0], "")
    for letter in name[1:]:
        if letter in "hw":  # no code, and letters on both sides with the same code count once
            continue
        code = codes.get(letter, "")  # vowels and y: no code, but they separate equal codes
        if code and code != last:
            digits.append(code)
        last = code
    return (name[0] + "".join(digits) + "000")[:4]


@pytest.mark.parametrize("data", ["generated", "febrl1"])
def test_soundex_keys_follow_the_american_soundex_rules(sample, febrl1_without_addresses, data):
    names = query(
        sample.db if data == "generated" else febrl1_without_addresses[0],
        "select first_name, first_name_soundex from identity.int_match_records where first_name is not null union "
        "select last_name, last_name_soundex from identity.int_match_records where last_name is not null",
    )
    assert len(names) > 100
    wrong = [(name, key, american_soundex(name)) for name, key in names if key != american_soundex(name)]
    assert not wrong, wrong[:10]
    # The rules' own examples.
    for name, key in (("robert", "r163"), ("rupert", "r163"), ("ashcraft", "a261"), ("tymczak", "t522"), ("pfister", "p236")):
        assert american_soundex(name) == key, name


def test_a_chain_of_matches_joining_people_the_scores_tell_apart_is_cut(tmp_path):
    """b (name, postal code and street, nothing else) matches a and matches c; a and c agree on the
    same and differ on birth date and city: the matches a ~ b ~ c chain two people."""
    columns = [*load_raw.RAW_CONTRACT["crm_contacts"][0], "loaded_at"]
    person = {"first_name": "John", "last_name": "Smith", "postal_code": "AB1 2CD", "address_line": "1 High Street"}
    rows = [
        {**person, "contact_id": "a", "birth_date": "1980-01-01", "city": "London"},
        {**person, "contact_id": "b"},
        {**person, "contact_id": "c", "birth_date": "1990-05-05", "city": "Leeds"},
    ]
    # Around them, a list of other people, so names and places have their usual frequencies.
    firsts = "anna ben carla dev erin farid gita hugo ines jonas kemal lena marco nora omar".split()
    lasts = "adams brown cohen diaz evans fischer garcia hughes ito jones".split()
    for i, (first, last) in enumerate(itertools.product(firsts, lasts)):
        town = f"town{i % 40}"
        rows.append(
            {
                "contact_id": f"x{i:03d}",
                "first_name": first,
                "last_name": last,
                "birth_date": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}",
                "postal_code": f"ZZ{i % 60} {i % 7}AA",
                "address_line": f"{i} {last} lane",
                "city": town,
            }
        )
    write_csv(
        tmp_path / "raw" / "crm_contacts.csv",
        columns,
        [{**r, "updated_at": "2026-10-01T00:00:00Z", "loaded_at": "2026-10-02"} for r in rows],
    )
    db = tmp_path / "warehouse.duckdb"
    load(tmp_path / "raw", db)
    # The shipped weights, not this list's own, so the pairs score as the test says.
    frozen = {"unified_segments_match_weights": "seed"}
    result = dbt("build", *NOT_A_LIVE_FEED, db=db, vars=frozen)
    pairs = query(
        db, "select record_id_a, record_id_b, is_match from identity.int_match_pairs_scored where record_id_a < 'x' order by 1, 2"
    )
    assert pairs == [("a", "b", True), ("a", "c", False), ("b", "c", True)], pairs
    flagged = query(
        db,
        "select cluster_id, records, matches, contradictions, cut_matches, weakest_contradiction "
        "from identity.int_match_cluster_quality",
    )
    assert [row[:5] for row in flagged] == [("a", 3, 2, 1, 1)]
    assert flagged[0][5].startswith("a ~ c at match probability 0.0"), flagged
    assert "WARN 1 match_chains_cut" in re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    # The two matches weigh the same: the first by record ids stays, the other is cut, and a and c
    # are two people.
    cuts = query(db, "select record_id_a, record_id_b, reason from identity.int_match_chain_cuts")
    assert [cut[:2] for cut in cuts] == [("b", "c")] and cuts[0][2].startswith("would chain a ~ c (match probability 0.0"), cuts
    people = query(
        db,
        "select count(distinct person_id) from identity.int_identifiers_resolved "
        "where identifier_key in ('contact_id:a', 'contact_id:b', 'contact_id:c')",
    )
    assert people == [(2,)]
    link = '{a: "contact_id:a", b: "contact_id:b"}'
    explained = dbt("run-operation", "explain_identity_link", "--args", link, db=db, vars=frozen).stdout
    assert "WARNING: this match is one of a chain: its cluster of 3 contact records held 1 pair(s)" in explained, explained
    assert "and 1 match(es) were cut" in explained, explained

    # A cluster larger than the max fails the build, naming the guard.
    small = dbt("build", *NOT_A_LIVE_FEED, db=db, vars={**frozen, "unified_segments_match_max_cluster_size": 2}, check=False)
    assert small.returncode != 0 and "FAIL 1 match_clusters_stay_small" in re.sub(r"\x1b\[[0-9;]*m", "", small.stdout)


def test_frozen_weights_keep_the_fields_order_so_a_refreeze_diffs_only_in_numbers(sample, tmp_path):
    out = tmp_path / "frozen.csv"
    with on_duckdb(sample.db):
        match_weights.main(freeze=True, out=out)
    with out.open() as f:
        rows = [(r["comparison"], r["level"]) for r in csv.DictReader(f)]
    name_levels = ["exact", "typo", "two_typos", "prefix", "sounds_alike", "different"]
    expected = [("prior", "match")]
    expected += [("first_name", level) for level in name_levels] + [("last_name", level) for level in name_levels]
    expected += [
        ("birth_date", level) for level in ["exact", "month_day_swapped", "typo", "two_typos", "within_year", "different"]
    ]
    expected += [("postal_code", level) for level in ["exact", "typo", "two_typos", "different"]]
    expected += [("address_line", level) for level in ["exact", "typo", "similar", "different"]]
    expected += [("city", "exact"), ("city", "different")]
    assert rows == expected


def test_the_random_sample_for_u_stops_at_its_cap(sample, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    capped = {"unified_segments_match_u_sample_max_pairs": 1000}
    dbt("build", "--select", "int_match_random_pairs_compared", db=db, vars=capped)
    assert query(db, "select count(*) from identity.int_match_random_pairs_compared") == [(1000,)]
    # Uncapped, each of the n records pairs with the next ten: 10n, less 10 + 9 + ... + 1 at the end.
    records = query(sample.db, "select count(*) from identity.int_match_records")[0][0]
    assert query(sample.db, "select count(*) from identity.int_match_random_pairs_compared") == [(10 * records - 55,)]
