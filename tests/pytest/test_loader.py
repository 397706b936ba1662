"""The load step: idempotent, contract-shaped, loud about files that break the contract."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import load, query, write_csv
from load_raw import RAW_CONTRACT

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
