"""Every generic test in tests/generic proven both ways on the fixtures of
models/fixtures/generic_tests: the `good__` tests pass, the `bad__` tests fail and the `warn__`
tests warn, each with the failing rows we built the fixture to contain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import dbt, query

GENERIC_TESTS = sorted(p.stem for p in (Path(__file__).parents[1] / "generic").glob("*.sql"))


@pytest.fixture(scope="module")
def fixture_results(tmp_path_factory):
    db = tmp_path_factory.mktemp("generic") / "warehouse.duckdb"
    result = dbt(
        "build",
        "--select",
        "path:models/fixtures/generic_tests",
        db=db,
        check=False,
        vars={"unified_segments_generic_test_fixtures": True, "unified_segments_expected_feeds": ["crm_contacts"]},
    )
    run_results = json.loads((db.parent / "dbt_target" / "run_results.json").read_text())
    statuses = {r["unique_id"].split(".")[2]: r for r in run_results["results"] if r["unique_id"].startswith("test.")}
    assert statuses, result.stdout[-3000:]
    return db, statuses


def test_every_generic_test_has_a_passing_and_a_failing_fixture(fixture_results):
    _, statuses = fixture_results
    manifest = json.loads((fixture_results[0].parent / "dbt_target" / "manifest.json").read_text())
    covered = {"good": set(), "bad": set()}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node["name"] in statuses:
            kind = node["name"].split("__")[0]
            covered["bad" if kind in ("bad", "warn") else kind].add(node["test_metadata"]["name"])
    for kind in ("good", "bad"):
        missing = set(GENERIC_TESTS) - covered[kind]
        assert not missing, f"generic tests without a {kind} fixture: {missing}"


def test_good_fixtures_pass_and_bad_ones_fail(fixture_results):
    _, statuses = fixture_results
    expected = {"good": "pass", "bad": "fail", "warn": "warn"}
    wrong = {name: r["status"] for name, r in statuses.items() if r["status"] != expected[name.split("__")[0]]}
    assert not wrong, f"tests with the wrong outcome: {wrong}"


@pytest.mark.parametrize(
    ("test", "failures", "sql", "expected_rows"),
    [
        ("bad__rows_conserved_one_row_lost", 1, "select source_rows, accounted_rows, unaccounted_rows", [(10, 9, 1)]),
        ("bad__unique_combination_repeats", 2, "select kind, occurrences order by kind", [("high", 5), ("low", 5)]),
        ("bad__expression_is_true_n_10", 1, "select n", [(10,)]),
        ("bad__expression_group_by_high_sum", 1, "select kind", [("high",)]),
        ("bad__equal_row_count_10_vs_4", 1, "select model_rows, compare_model_rows", [(10, 4)]),
        ("bad__accepted_range_above_max", 1, "select n", [(10,)]),
        ("bad__accepted_range_exclusive_min", 1, "select n", [(1,)]),
        ("bad__max_group_size_a_has_3", 1, "select group_value, group_size", [("a", 3)]),
        ("bad__relationships_where_orphan_1", 1, "select orphan_value", [(1,)]),
        ("bad__recency_only_old_rows", 1, "select row_count", [(1,)]),
        ("bad__recency_of_an_expected_feed", 1, "select row_count", [(2,)]),
        (
            "bad__field_issue_share_email_20_percent",
            2000,
            "select column_name, staged_rows, issue_rows, share_basis_points",
            [("email", 10, 2, 2000)],
        ),
        ("warn__field_issue_share_email_20_percent", 2000, "select share_basis_points", [(2000,)]),
        (
            "bad__currencies_are_convertible_xxx",
            1000,
            "select currency, transactions, fix",
            [("XXX", 1, "no rate from XXX to GBP: add the row XXX,GBP,<rate> to seeds/currency_rates.csv")],
        ),
        ("bad__segment_minimum_size_error_thin_share", 1, "select segment_name", [("thin_error",)]),
        (
            "bad__segment_size_change_error_collapsed",
            1,
            "select segment_name, previous_members, members",
            [("collapsed", 100, 30)],
        ),
        ("warn__segment_size_change_warn_grew", 1, "select segment_name, previous_members, members", [("grew", 100, 180)]),
        ("warn__segment_minimum_size_warn_small", 1, "select segment_name, members, min_size", [("small_warn", 3, 5)]),
        ("bad__volume_halved_drop", 1, "select row_count, history_periods", [(53, 14)]),
        ("bad__volume_outage", 1, "select row_count, history_periods", [(0, 14)]),
        ("bad__volume_short_history_fallback", 1, "select row_count, previous_count, pct_change", [(40, 100, -60.0)]),
        ("bad__row_share_20_percent", 2000, "select row_count, matching_rows, share_basis_points", [(10, 2, 2000)]),
        ("warn__row_share_20_percent", 2000, "select share_basis_points", [(2000,)]),
    ],
)
def test_failing_tests_point_at_their_rows(fixture_results, test, failures, sql, expected_rows):
    db, statuses = fixture_results
    assert statuses[test]["failures"] == failures
    select, _, order = sql.partition(" order by ")
    rows = query(db, f"{select} from audit.{test}" + (f" order by {order}" if order else ""))
    assert [tuple(float(v) if isinstance(v, float) else v for v in row) for row in rows] == expected_rows


def test_volume_anomaly_explains_itself(fixture_results):
    db, _ = fixture_results
    [(reason,)] = query(db, "select reason from audit.bad__volume_halved_drop")
    assert reason.startswith("daily count 53 has z-score -") and "of 14 days" in reason
    [(reason,)] = query(db, "select reason from audit.bad__volume_short_history_fallback")
    assert "changed -60.0% from the day before (limit 50%" in reason


def test_test_results_history_records_every_test(fixture_results):
    db, statuses = fixture_results
    rows = dict(query(db, "select test_name, status from audit.test_results"))
    assert rows == {name: r["status"] for name, r in statuses.items()}
