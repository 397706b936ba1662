"""The load step: idempotent, contract-shaped, loud about files that break the contract."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from datetime import datetime

import pytest

from conftest import CLI, load, query, write_csv
from unified_segments.load_raw import RAW_CONTRACT

EVENT_COLUMNS = RAW_CONTRACT["events"][0]


def event(event_id: str) -> dict:
    return {"event_id": event_id, "event_type": "page_view", "occurred_at": "2026-10-30T10:00:00Z", "anonymous_id": "a"}


def test_loading_the_same_batch_twice_does_not_double_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    write_csv(tmp_path / "batch1" / "events" / "part-1.csv", EVENT_COLUMNS, [event("e1"), event("e2")])
    first = load(tmp_path / "batch1", db)
    again = load(tmp_path / "batch1", db)
    assert first["events"]["rows_loaded"] == 2
    assert (again["events"]["rows_loaded"], again["events"]["files_skipped"]) == (0, 1)
    assert query(db, "select count(*) from raw.events") == [(2,)]

    # The same file under another name is the same batch; a new file is a new one.
    write_csv(tmp_path / "batch2" / "events" / "renamed.csv", EVENT_COLUMNS, [event("e1"), event("e2")])
    write_csv(tmp_path / "batch2" / "events" / "part-2.csv", EVENT_COLUMNS, [event("e3")])
    load(tmp_path / "batch2", db)
    assert query(db, "select event_id from raw.events order by 1") == [("e1",), ("e2",), ("e3",)]
    assert query(db, "select count(*) from raw._load_log") == [(2,)]


def test_loaded_at_is_stamped_where_absent_and_kept_where_present(tmp_path):
    db = tmp_path / "w.duckdb"
    write_csv(tmp_path / "in" / "events.csv", EVENT_COLUMNS, [event("stamped")])
    write_csv(
        tmp_path / "in" / "transactions.csv",
        [*RAW_CONTRACT["transactions"][0], "loaded_at"],
        [
            {
                "transaction_id": "t1",
                "ordered_at": "2026-10-30T10:00:00Z",
                "status": "completed",
                "amount": "1",
                "loaded_at": "2026-10-30 11:00:00",
            }
        ],
    )
    load(tmp_path / "in", db, stamp=datetime(2026, 11, 2, 6, 0))
    assert query(db, "select loaded_at::varchar from raw.events") == [("2026-11-02 06:00:00",)]
    assert query(db, "select loaded_at::varchar from raw.transactions") == [("2026-10-30 11:00:00",)]


def test_extra_columns_are_ignored_and_missing_optional_ones_are_null(tmp_path):
    db = tmp_path / "w.duckdb"
    write_csv(
        tmp_path / "in" / "events.csv",
        ["event_id", "event_type", "occurred_at", "anonymous_id", "campaign_x"],
        [{**event("e1"), "campaign_x": "spring"}],
    )
    summary = load(tmp_path / "in", db)
    assert summary["events"]["ignored_columns"] == {"campaign_x"}
    columns = [
        r[0]
        for r in query(
            db, "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'events'"
        )
    ]
    assert "campaign_x" not in columns
    assert query(db, "select email, price from raw.events") == [(None, None)]


def test_a_file_without_a_required_column_is_refused_with_its_name(tmp_path):
    db = tmp_path / "w.duckdb"
    write_csv(tmp_path / "in" / "events.csv", ["event_type", "occurred_at"], [event("e1")])
    with pytest.raises(SystemExit, match=r"events\.csv: the events contract requires column\(s\) event_id"):
        load(tmp_path / "in", db)
    assert query(db, "select count(*) from raw.events") == [(0,)]


def test_typed_parquet_columns_land_as_text(tmp_path):
    import duckdb

    (tmp_path / "in").mkdir()
    duckdb.connect().execute(f"""copy (select 't1' as transaction_id, timestamp '2026-10-30 10:00:00' as ordered_at,
        'completed' as status, 12.5::double as amount, 3 as item_count) to '{tmp_path}/in/transactions.parquet'""")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "in", db)
    assert query(db, "select ordered_at, amount, item_count from raw.transactions") == [("2026-10-30 10:00:00", "12.5", "3")]


CONTACT_COLUMNS = RAW_CONTRACT["crm_contacts"][0]
LATIN1_CONTACTS = (
    "contact_id,first_name,last_name,city,updated_at\nc1,José,Muñoz,Málaga,2026-10-01\nc2,Zoë,Brontë,Köln,2026-10-01\n"
)


def test_a_latin1_csv_is_refused_in_one_line_then_loads_with_its_encoding(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crm_contacts.csv").write_bytes(LATIN1_CONTACTS.encode("latin-1"))
    db = tmp_path / "w.duckdb"
    env = {"UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)}
    refused = run_loader_env(env, str(tmp_path / "in"))
    code, *lines = refused.strip().split("\n")
    offset = LATIN1_CONTACTS.encode("latin-1").index("é".encode("latin-1"))
    assert code == "1" and len(lines) == 1, refused  # one line, no traceback
    assert lines[0] == (
        f"{tmp_path / 'in' / 'crm_contacts.csv'}: not UTF-8 (byte 0xe9 at offset {offset}); give its encoding with "
        "--encoding, e.g. --encoding latin-1 (or cp1252 for Excel on Windows)"
    )
    assert query(db, "select count(*) from raw.crm_contacts") == [(0,)]
    loaded = run_loader_env(env, str(tmp_path / "in"), "--encoding", "latin-1")
    assert loaded.startswith("0\n"), loaded
    assert query(db, "select first_name, last_name, city from raw.crm_contacts order by 1") == [
        ("José", "Muñoz", "Málaga"),
        ("Zoë", "Brontë", "Köln"),
    ]


def run_loader_env(env: dict, *args: str) -> str:
    result = subprocess.run(
        [*CLI, "load", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIFIED_SEGMENTS_TARGET": "duckdb", **env},
    )
    return f"{result.returncode}\n{result.stdout}{result.stderr}"


def test_json_lines_events_from_a_pipeline_load_flattened_to_the_contract(tmp_path):
    """Segment's tracking spec, as a JSON event pipeline delivers it, gzipped, next to our own flat shape."""
    segment = {
        "messageId": "m-1",
        "type": "track",
        "event": "add_to_cart",
        "anonymousId": "anon-9",
        "userId": None,
        "timestamp": "2026-10-30T10:00:00.000Z",
        "properties": {"product_id": "P1", "category": "Shoes", "price": 59.9, "quantity": 2},
        "context": {
            "page": {"url": "https://shop.test/p1"},
            "traits": {"email": "Ann@Mail.co.uk"},
            "campaign": {"source": "news"},
        },
    }
    flat = {"event_id": "e-2", "event_type": "page_view", "occurred_at": "2026-10-30T11:00:00Z", "anonymous_id": "anon-9"}
    (tmp_path / "in" / "events").mkdir(parents=True)
    with gzip.open(tmp_path / "in" / "events" / "batch-1.jsonl.gz", "wt") as f:
        f.write(json.dumps(segment) + "\n")
    (tmp_path / "in" / "events" / "batch-2.ndjson").write_text(json.dumps(flat) + "\n")
    db = tmp_path / "w.duckdb"
    summary = load(tmp_path / "in", db)
    assert summary["events"]["rows_loaded"] == 2
    assert query(
        db,
        "select event_id, event_type, occurred_at, anonymous_id, user_id, email, page_url, product_id, product_category, "
        "price, quantity, utm_source from raw.events order by event_id",
    ) == [
        ("e-2", "page_view", "2026-10-30T11:00:00Z", "anon-9", None, None, None, None, None, None, None, None),
        (
            "m-1",
            "add_to_cart",
            "2026-10-30T10:00:00.000Z",
            "anon-9",
            None,
            "Ann@Mail.co.uk",
            "https://shop.test/p1",
            "P1",
            "Shoes",
            "59.9",
            "2",
            "news",
        ),
    ]


def test_a_gzipped_csv_loads(tmp_path):
    (tmp_path / "in").mkdir()
    with gzip.open(tmp_path / "in" / "events.csv.gz", "wt", newline="") as f:
        f.write("event_id,event_type,occurred_at,anonymous_id\ne1,page_view,2026-10-30T10:00:00Z,a\n")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "in", db)
    assert query(db, "select event_id, anonymous_id from raw.events") == [("e1", "a")]


def test_a_malformed_json_line_refuses_the_whole_load_in_one_line(tmp_path):
    write_csv(
        tmp_path / "in" / "crm_contacts.csv", ["contact_id", "updated_at"], [{"contact_id": "c1", "updated_at": "2026-10-01"}]
    )
    (tmp_path / "in" / "events.jsonl").write_text('{"event_id": "e1", "event_type": "login"\n')
    db = tmp_path / "w.duckdb"
    output = run_loader_env({"UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)}, str(tmp_path / "in"))
    code, *lines = output.strip().split("\n")
    assert code == "1" and len(lines) == 1, output
    assert lines[0].startswith(f"{tmp_path / 'in' / 'events.jsonl'}: unreadable as events: ") and "Malformed JSON" in lines[0]
    assert query(db, "select count(*) from raw.crm_contacts") == [(0,)]  # nothing half-way: the good file waits too


def test_an_unknown_encoding_is_refused_naming_the_option(tmp_path):
    write_csv(
        tmp_path / "in" / "crm_contacts.csv", ["contact_id", "updated_at"], [{"contact_id": "c1", "updated_at": "2026-10-01"}]
    )
    output = run_loader_env(
        {"UNIFIED_SEGMENTS_DUCKDB_PATH": str(tmp_path / "w.duckdb")}, str(tmp_path / "in"), "--encoding", "latin-9000"
    )
    assert output.strip().split("\n") == [
        "1",
        "--encoding latin-9000: unknown encoding (Python codec names: latin-1, cp1252, utf-16, shift_jis ...)",
    ]


@pytest.mark.parametrize("name", ["raw", "marts"])
def test_a_warehouse_file_named_like_a_schema_is_refused_naming_the_file(tmp_path, name):
    """DuckDB names a file's catalog after it, so in raw.duckdb `raw.events` is ambiguous: refused
    in one line before anything is written, while any other name loads."""
    write_csv(tmp_path / "in" / "events.csv", EVENT_COLUMNS, [event("e1")])
    db = tmp_path / f"{name}.duckdb"
    output = run_loader_env({"UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)}, str(tmp_path / "in"))
    assert output.strip().split("\n") == [
        "1",
        f"{db}: DuckDB names the file's catalog '{name}', which is also a schema of this project, so its tables "
        "cannot be named unambiguously; choose another file name (UNIFIED_SEGMENTS_DUCKDB_PATH), such as warehouse.duckdb",
    ]
    assert not db.exists()
    assert load(tmp_path / "in", tmp_path / f"{name}_warehouse.duckdb")["events"]["rows_loaded"] == 1
