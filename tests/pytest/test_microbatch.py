"""Micro-batches (unified-segments microbatch): a landed file of events rebuilds only what is downstream of
the events, and every table then equals a full refresh of the same raw data; nothing landed builds
nothing; the change set turns the previous export into the new one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime, timedelta
from unittest import mock

import duckdb
import pytest

from conftest import CLI, NOT_A_LIVE_FEED, PROJECT_DIR, change_set_applied, dbt, load, query, write_csv
from pg_cluster import new_database
from test_incremental import BUILD_HISTORY, differing_rows, relations
from unified_segments import export_audiences, load_raw, microbatch
from unified_segments.load_raw import RAW_CONTRACT
from unified_segments.warehouse import DuckDBWarehouse, PostgresWarehouse, postgres_dsn


def run_microbatch(db, *args: str) -> str:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db),
        "UNIFIED_SEGMENTS_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [*CLI, "microbatch", *args, "--out", str(db.parent / "exports"), "--target-path", str(db.parent / "dbt_target")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"microbatch.py {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def built_models(db) -> set[str]:
    results = json.loads((db.parent / "dbt_target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}


@pytest.fixture(scope="module")
def batches(sample, tmp_path_factory):
    """The built sample, recorded as built and exported; then a landed file of late events (one in
    50 events again, with new ids, loaded an hour after the newest row) as one micro-batch."""
    root = tmp_path_factory.mktemp("microbatch")
    db = root / "micro" / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copy(sample.db, db)
    run_microbatch(db, "--mark-built")
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        first_export = export_audiences.export(db.parent / "exports", wh)
    finally:
        wh.close()

    landing = root / "landing"
    landing.mkdir()
    con = duckdb.connect()
    events = f"read_parquet('{sample.data_dir / 'raw' / 'events'}/*.parquet')"
    con.execute(f"""copy (
        select * replace ('late-' || event_id as event_id, (select max(loaded_at) from {events}) + interval 1 hour as loaded_at)
        from {events} where hash(event_id) % 50 = 0
    ) to '{landing / "events.parquet"}' (format parquet)""")
    con.close()
    output = run_microbatch(db, str(landing))
    return db, landing, first_export, output


def test_landed_events_rebuild_only_what_reads_them(batches):
    db, _, _, output = batches
    assert "micro-batch built source:tracking.events+" in output
    built = built_models(db)
    assert {"base_tracking__events", "int_identifiers_resolved", "dim_customer_profiles", "audience_email_marketing"} <= built
    # the CRM and the orders did not change: their staging and the probabilistic matching are not rebuilt
    assert not built & {"base_crm__contacts", "base_shop__transactions", "int_match_pairs_scored", "int_match_weights"}
    [(selected,)] = query(db, "select selected from audit.microbatch_runs order by recorded_at desc limit 1")
    assert selected == "source:tracking.events+"


def test_after_a_micro_batch_every_table_equals_a_full_refresh(batches, sample):
    db, landing, _, _ = batches
    full = db.parent.parent / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    load(sample.data_dir / "raw", full)
    load(landing, full)
    dbt("build", "--full-refresh", *NOT_A_LIVE_FEED, db=full)
    assert query(db, "select count(*) from staging.stg_tracking__events where event_id like 'late-%'")[0][0] > 50
    tables = relations(full)
    assert relations(db) == tables
    differences = {t: differing_rows(db, full, t) for t in tables if t not in BUILD_HISTORY}
    assert {t: n for t, n in differences.items() if n} == {}


def test_the_change_set_turns_the_previous_export_into_the_new_one(batches):
    db, _, first_export, _ = batches
    latest = (db.parent / "exports" / "latest").resolve()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["previous_run"] == first_export.name
    for entry in manifest["audiences"]:
        held, now = change_set_applied(first_export, latest, entry)
        assert held == now, f"{entry['destination']}/{entry['segment']}"


def test_nothing_landed_builds_and_exports_nothing(batches, tmp_path):
    db, landing, _, _ = batches
    runs_before = sorted((db.parent / "exports" / "runs").iterdir())
    records_before = query(db, "select count(*) from audit.microbatch_runs")[0][0]
    output = run_microbatch(db, str(landing))  # the same folder again: its file is skipped as loaded
    assert "micro-batch built nothing (no raw table changed)" in output
    assert sorted((db.parent / "exports" / "runs").iterdir()) == runs_before
    assert query(db, "select count(*) from audit.microbatch_runs")[0][0] == records_before


PREVIOUS = {"project": "p1", "raw": {"events": [100, "2026-11-01 10:00:00"], "crm_contacts": [10, "2026-11-01 09:00:00"]}}


def test_selection_builds_everything_the_first_time_and_when_the_project_changed():
    assert microbatch.selection(None, PREVIOUS) is None
    assert microbatch.selection(PREVIOUS, {**PREVIOUS, "project": "p2"}) is None
    assert microbatch.selection(PREVIOUS, PREVIOUS) == []


def test_selection_names_each_changed_table_by_its_dbt_source():
    grown = {**PREVIOUS, "raw": {**PREVIOUS["raw"], "crm_contacts": [11, "2026-11-02 09:00:00"]}}
    assert microbatch.selection(PREVIOUS, grown) == ["source:crm.crm_contacts+"]
    landed = {**PREVIOUS, "raw": {**PREVIOUS["raw"], "transactions": [5, "2026-11-02 09:00:00"]}}
    assert microbatch.selection(PREVIOUS, landed) == ["source:shop.transactions+"]


def test_the_project_fingerprint_covers_vars_model_files_and_the_day(project_copy, monkeypatch):
    monkeypatch.setattr(microbatch, "PROJECT_DIR", project_copy)
    day = date(2026, 12, 7)
    before = microbatch.project_fingerprint(None, day)
    assert microbatch.project_fingerprint(None, day) == before
    assert microbatch.project_fingerprint(None, day + timedelta(days=1)) != before
    assert microbatch.project_fingerprint('{"unified_segments_as_of_date": "2026-12-01"}', day) != before
    model = project_copy / "models" / "marts" / "customers" / "dim_customer_profiles.sql"
    model.write_text(model.read_text() + "\n")
    assert microbatch.project_fingerprint(None, day) != before


def test_fingerprints_and_records_on_postgres(postgres, tmp_path):
    """The script's own SQL on PostgreSQL: fingerprints of the raw tables, the record of a batch,
    and a landed file of events selecting what reads the events."""
    env = new_database(postgres, "microbatch_test")
    columns = RAW_CONTRACT["events"][0]
    event = {"event_type": "page_view", "occurred_at": "2026-10-30T10:00:00Z", "anonymous_id": "a"}
    write_csv(tmp_path / "first" / "events.csv", columns, [{**event, "event_id": "e1"}, {**event, "event_id": "e2"}])
    write_csv(tmp_path / "second" / "events.csv", columns, [{**event, "event_id": "e3"}])
    with mock.patch.dict(os.environ, env):
        wh = PostgresWarehouse(postgres_dsn())
    try:
        load_raw.load(tmp_path / "first", wh, stamp=datetime(2026, 11, 1, 6))
        built = {"project": "p1", "raw": microbatch.raw_fingerprints(wh)}
        assert built["raw"]["events"] == [2, "2026-11-01 06:00:00"]
        assert microbatch.recorded_state(wh) is None
        microbatch.record(wh, built, None, {"build": 1.5})
        assert microbatch.recorded_state(wh) == built
        load_raw.load(tmp_path / "second", wh, stamp=datetime(2026, 11, 1, 7))
        landed = {"project": "p1", "raw": microbatch.raw_fingerprints(wh)}
        assert microbatch.selection(microbatch.recorded_state(wh), landed) == ["source:tracking.events+"]
    finally:
        wh.close()
