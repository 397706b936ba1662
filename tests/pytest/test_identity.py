"""Identity resolution: convergence, merge protection, stability, and scores against ground truth."""

from __future__ import annotations

import os
import shutil
from unittest import mock

import duckdb
import pytest

from conftest import NOT_A_LIVE_FEED, SAMPLE_PEOPLE, SAMPLE_SEED, dbt, load, query, write_csv
from unified_segments import evaluate_identity, generate_data
from unified_segments.load_raw import RAW_CONTRACT

CHAIN = 10_000


@pytest.fixture(scope="module")
def scratch_db(tmp_path_factory):
    return tmp_path_factory.mktemp("fixtures") / "warehouse.duckdb"


def test_a_chain_of_ten_thousand_identifiers_is_one_person_within_twenty_rounds(scratch_db):
    dbt("build", "-s", "fixture_chain_components", db=scratch_db, vars={"unified_segments_fixture_chain_length": CHAIN})
    nodes, components, rounds = query(
        scratch_db, "select count(*), count(distinct component), max(rounds) from fixtures.fixture_chain_components"
    )[0]
    assert (nodes, components) == (CHAIN, 1)
    assert rounds <= 20


def test_unconverged_labels_are_never_returned(scratch_db):
    result = dbt(
        "run",
        "-s",
        "fixture_chain_components",
        db=scratch_db,
        check=False,
        vars={"unified_segments_fixture_chain_length": CHAIN, "unified_segments_identity_max_rounds": 4},
    )
    assert result.returncode != 0
    assert "did not converge in 4 rounds" in result.stdout


@pytest.fixture(scope="module")
def star(tmp_path_factory):
    """One household device used by 30 account holders, each with a device and email of their own."""
    root = tmp_path_factory.mktemp("star")
    columns = [*RAW_CONTRACT["events"][0], "loaded_at"]
    rows = []
    for k in range(30):
        base = {"event_type": "login", "occurred_at": f"2026-10-{k % 28 + 1:02d}T10:00:00Z", "loaded_at": "2026-10-31 00:00:00"}
        rows.append({**base, "event_id": f"shared-{k}", "anonymous_id": "anon-shared", "user_id": f"user-{k}"})
        rows.append(
            {**base, "event_id": f"own-{k}", "anonymous_id": f"anon-{k}", "user_id": f"user-{k}", "email": f"p{k}@mail.com"}
        )
    # One visitor who only ever browsed on the shared device, logged out.
    rows.append(
        {
            "event_id": "browse",
            "event_type": "page_view",
            "occurred_at": "2026-10-02T10:00:00Z",
            "anonymous_id": "anon-shared",
            "loaded_at": "2026-10-31 00:00:00",
        }
    )
    write_csv(root / "raw" / "events.csv", columns, rows)
    db = root / "warehouse.duckdb"
    load(root / "raw", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    return db


def test_a_star_around_a_shared_device_does_not_merge_its_users(star):
    persons = dict(query(star, "select identifier_key, person_id from identity.int_identifiers_resolved"))
    user_persons = {persons[f"user_id:user-{k}"] for k in range(30)}
    assert len(user_persons) == 30
    for k in range(30):  # each user keeps their own device and email
        assert persons[f"anonymous_id:anon-{k}"] == persons[f"user_id:user-{k}"]
        assert persons[f"email:p{k}@mail.com"] == persons[f"user_id:user-{k}"]
    assert persons["anonymous_id:anon-shared"] not in user_persons
    rules = query(
        star,
        """
        select distinct drop_rule from identity.int_identity_edge_decisions
        where decision = 'dropped' and 'anonymous_id:anon-shared' in (identifier_key_a, identifier_key_b)""",
    )
    assert rules == [("anonymous_id:anon-shared is a shared device: 30 separate people seen on it each have a user_id",)]
    # The logged-out visit on the shared device belongs to the device, not to any of the 30.
    row = query(star, "select person_id from identity.int_source_rows_resolved where source_row_key = 'browse'")
    assert row == [(persons["anonymous_id:anon-shared"],)]


def test_identity_scores_against_ground_truth(sample):
    with mock.patch.dict(os.environ, {"UNIFIED_SEGMENTS_DUCKDB_PATH": str(sample.db), "UNIFIED_SEGMENTS_TARGET": "duckdb"}):
        metrics = evaluate_identity.evaluate(sample.data_dir / "ground_truth")
    assert metrics["precision"] >= 0.995, metrics
    assert metrics["recall"] >= 0.98, metrics
    # Pairs the data never connects (devices that never logged in) bound recall over all pairs;
    # this floor catches a regression in what the data does connect.
    assert metrics["recall_all_pairs"] >= 0.8, metrics
    assert metrics["largest_component"] <= 50, metrics
    assert metrics["resolved_persons"] >= metrics["true_persons"]


def test_every_staged_row_with_an_identifier_maps_to_one_person(sample):
    for model, key, identifiers in (
        ("stg_tracking__events", "event_id", "anonymous_id, user_id, email"),
        ("stg_shop__transactions", "transaction_id", "customer_id, email, phone"),  # a guest sale may carry none
        ("stg_crm__contacts", "contact_id", "contact_id"),
    ):
        missing = query(
            sample.db,
            f"""
            select count(*) from staging.{model} as s
            left join identity.int_source_rows_resolved as r
                on r.source_model = '{model}' and r.source_row_key = s.{key}
            where r.person_id is null and coalesce({identifiers}) is not null""",
        )
        assert missing == [(0,)], model
    assert query(
        sample.db,
        """
        select count(*) - count(distinct source_model || source_row_key) from identity.int_source_rows_resolved""",
    ) == [(0,)]


def test_identifiers_are_not_profiled_without_the_blocklist(sample, tmp_path):
    """The blocklist's rules are read from the seed when the model runs; a missing seed must fail
    the build, never profile every identifier as unblocked."""
    assert query(sample.db, "select count(*) from identity.int_identifiers_profiled where is_blocked") != [(0,)]
    db = tmp_path / "no_blocklist.duckdb"
    shutil.copy(sample.db, db)
    con = duckdb.connect(str(db))
    con.execute("drop table identity.identity_blocklist")
    con.close()
    result = dbt("run", "-s", "int_identifiers_profiled", db=db, check=False)
    assert result.returncode != 0
    assert "identity_blocklist" in result.stdout, result.stdout[-3000:]


def test_rebuilding_the_same_data_gives_the_same_person_ids(sample, tmp_path):
    db = tmp_path / "again.duckdb"
    load(sample.data_dir / "raw", db)
    dbt("build", "-s", "+int_source_rows_resolved", "--indirect-selection", "cautious", db=db)
    sql = "select identifier_key, person_id from identity.int_identifiers_resolved order by identifier_key"
    first, second = query(sample.db, sql), query(db, sql)
    assert len(first) > 10_000
    assert first == second


def test_the_evaluation_scores_a_known_answer(tmp_path, monkeypatch):
    """Hand-counted: truth {a1,a2,a3} person A, {b1,b2} person B; resolution puts a1,a2 and b1,b2,a3
    together. Predicted pairs 1+3=4, true positives a1a2 + b1b2 = 2, true pairs 3+1=4."""
    truth_dir = tmp_path / "truth" / "identifiers"
    truth_dir.mkdir(parents=True)
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema identity")
    con.execute("""create table identity.int_identifiers_resolved as select * from (values
        ('email', 'a1', 'p1', 2), ('email', 'a2', 'p1', 2), ('email', 'a3', 'p2', 3), ('email', 'b1', 'p2', 3),
        ('email', 'b2', 'p2', 3)) as t(identifier_type, identifier_value, person_id, component_size)""")
    con.execute("""create table identity.int_identifier_edges_aggregated as select * from (values
        ('email:a1', 'email:a2', 'x'), ('email:a2', 'email:a3', 'x'), ('email:b1', 'email:b2', 'x'),
        ('email:a3', 'email:b1', 'x')) as t(identifier_key_a, identifier_key_b, source_model)""")
    # The build kept a1-a2, b1-b2 and (wrongly) a3-b1; probabilistic matching scored a2-a3 at 0.95.
    con.execute("""create table identity.int_identity_edge_decisions as select * from (values
        ('email:a1', 'email:a2', 'x', 'kept'), ('email:b1', 'email:b2', 'x', 'kept'), ('email:a3', 'email:b1', 'x', 'kept'))
        as t(identifier_key_a, identifier_key_b, source_model, decision)""")
    con.execute("""create table identity.int_match_pairs_scored as
        select 'email:a2' as identifier_key_a, 'email:a3' as identifier_key_b, 0.95 as match_probability""")
    con.execute(f"""copy (select * from (values ('email', 'a1', 'A'), ('email', 'a2', 'A'), ('email', 'a3', 'A'),
        ('email', 'b1', 'B'), ('email', 'b2', 'B')) as t(identifier_type, identifier_value, person_key))
        to '{truth_dir}/part-0.parquet' (format parquet)""")
    con.close()
    monkeypatch.setenv("UNIFIED_SEGMENTS_DUCKDB_PATH", str(db))
    monkeypatch.setenv("UNIFIED_SEGMENTS_TARGET", "duckdb")
    metrics = evaluate_identity.evaluate(tmp_path / "truth")
    assert metrics["precision"] == pytest.approx(2 / 4)
    assert metrics["recall_all_pairs"] == pytest.approx(2 / 4)
    # All of A's pairs are linkable (a1-a2-a3 chain), as is b1-b2: same 2 of 4.
    assert metrics["recall"] == pytest.approx(2 / 4)
    assert (metrics["resolved_persons"], metrics["true_persons"], metrics["largest_component"]) == (2, 2, 3)
    # Deterministic edges alone give the build's groups; at 0.9 the a2-a3 pair joins everyone:
    # 10 predicted pairs, 4 true positives (a1a2 a1a3 a2a3 b1b2), every true pair found.
    sweep = {row["threshold"]: row for row in metrics["probabilistic"]}
    assert (sweep[None]["precision"], sweep[None]["recall_all_pairs"]) == (pytest.approx(2 / 4), pytest.approx(2 / 4))
    assert (sweep[0.9]["precision"], sweep[0.9]["recall_all_pairs"]) == (pytest.approx(4 / 10), pytest.approx(1.0))
    assert sweep[0.99]["precision"] == pytest.approx(2 / 4)


def test_sample_generation_constants_are_the_defaults_the_thresholds_were_set_on():
    # The thresholds above are asserted on generated data of this shape; a change of shape must be deliberate.
    assert (SAMPLE_PEOPLE, SAMPLE_SEED) == (3000, 7)
    assert generate_data.CHUNK_PEOPLE == 10_000


def test_the_component_size_ceiling_fails_on_a_component_above_it(sample):
    passing = dbt("test", "-s", "int_identity_components", db=sample.db, check=False)
    assert passing.returncode == 0, passing.stdout
    failing = dbt(
        "test",
        "-s",
        "int_identity_components",
        db=sample.db,
        check=False,
        vars={"unified_segments_identity_max_component_size": 2},
    )
    assert failing.returncode != 0
    assert "FAIL" in failing.stdout and "identity_components_within_max_size" in failing.stdout


def test_a_merge_between_builds_is_recorded_in_the_crosswalk_and_explained(tmp_path):
    events = [*RAW_CONTRACT["events"][0], "loaded_at"]
    transactions = [*RAW_CONTRACT["transactions"][0], "loaded_at"]
    login = {"event_type": "login", "occurred_at": "2026-10-01T10:00:00Z", "loaded_at": "2026-10-01 11:00:00"}
    order = {
        "ordered_at": "2026-10-02T10:00:00Z",
        "status": "completed",
        "currency": "GBP",
        "amount": "20.00",
        "loaded_at": "2026-10-02 11:00:00",
    }
    write_csv(
        tmp_path / "batch1" / "events.csv",
        events,
        [
            {**login, "event_id": "e1", "anonymous_id": "anon-b", "user_id": "user-b"},
        ],
    )
    write_csv(
        tmp_path / "batch1" / "transactions.csv",
        transactions,
        [
            {**order, "transaction_id": "t1", "email": "c@mail.com", "phone": "07911 123456"},  # a guest checkout
        ],
    )
    db = tmp_path / "warehouse.duckdb"
    load(tmp_path / "batch1", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    before = dict(query(db, "select identifier_key, person_id from identity.int_identifiers_resolved"))
    person_b, person_c = before["user_id:user-b"], before["email:c@mail.com"]
    assert person_b != person_c
    assert query(db, "select count(*) from marts.map_person_id_crosswalk") == [(0,)]

    # The guest signs in and orders with the same email: user-b and the guest are one person.
    write_csv(
        tmp_path / "batch2" / "transactions.csv",
        transactions,
        [
            {**order, "transaction_id": "t2", "customer_id": "user-b", "email": "c@mail.com"},
        ],
    )
    load(tmp_path / "batch2", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    after = dict(query(db, "select identifier_key, person_id from identity.int_identifiers_resolved"))
    # The stronger anchor (a user_id beats an email) keeps its id; the guest's id is absorbed.
    assert after["email:c@mail.com"] == after["phone:+447911123456"] == person_b
    assert query(db, "select old_person_id, new_person_id, identifiers_moved from marts.map_person_id_crosswalk") == [
        (person_c, person_b, 2)
    ]

    explained = dbt(
        "run-operation", "explain_identity_link", "--args", '{a: "phone:+447911123456", b: "anonymous_id:anon-b"}', db=db
    ).stdout
    assert f"are person {person_b}, linked in 3 step(s)" in explained
    assert "stg_shop__transactions row t2" in explained and "stg_tracking__events row e1" in explained
