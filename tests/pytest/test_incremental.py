"""Incremental event staging: three loads with incremental builds give exactly what one full
refresh of the same rows gives, in every table of every schema, on DuckDB and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import duckdb
import pytest

from conftest import NOT_A_LIVE_FEED, dbt, load, query
from pg_cluster import new_database
from test_postgres import pg_load, pg_rows
from unified_segments.generate_data import RAW_TABLES

SCHEMAS = ("staging", "identity", "customers", "segments", "marts", "exports")
# Records of the build sequence itself, different by design: which person id each identifier had
# after each build, and which segments each person entered and left from one build to the next.
BUILD_HISTORY = {"identity.int_identifier_person_history", "marts.fct_segment_membership_history"}


def write_batches(raw_dir, out) -> tuple[list[int], str]:
    """Split every raw table into three loads by loaded_at, then make the loads cross: 40 events of
    load 1 delivered again in load 3, and one row in 50 of load 3 stamped just before load 2's
    newest row (a load arriving out of order, within the lookback window). Returns the events per
    load and the loaded_at of the redeliveries."""
    con = duckdb.connect()
    con.execute(f"create table events as select * from read_parquet('{raw_dir}/events/*.parquet')")
    # quantile_disc returns a loaded_at that occurs, so t2 is load 2's newest row
    t1, t2 = con.execute("select quantile_disc(loaded_at, 0.4), quantile_disc(loaded_at, 0.75) from events").fetchall()[0]
    bounds = {1: ("loaded_at <= ?", [t1]), 2: ("loaded_at > ? and loaded_at <= ?", [t1, t2]), 3: ("loaded_at > ?", [t2])}
    counts = []
    for batch, (where, params) in bounds.items():
        folder = out / f"load{batch}"
        folder.mkdir(parents=True)
        for table in RAW_TABLES:
            source = "events" if table == "events" else f"read_parquet('{raw_dir}/{table}/*.parquet')"
            rows = f"select * from {source} where {where}"
            if table == "events" and batch == 3:
                rows = f"""
                    (select * replace (case when hash(event_id) % 50 = 0 then timestamp '{t2}' - interval 2 hour
                                            else loaded_at end as loaded_at)
                     from ({rows}))
                    union all
                    (select * replace (timestamp '{t2}' + interval 1 hour as loaded_at)
                     from events where loaded_at <= timestamp '{t1}' and event_id is not null
                     order by event_id limit 40)"""
            target = folder / f"{table}.parquet"
            con.execute(f"copy ({rows}) to '{target}' (format parquet)", params)
        counts.append(con.execute(f"select count(*) from read_parquet('{folder}/events.parquet')").fetchall()[0][0])
    return counts, f"{t2 + timedelta(hours=1)}"


def relations(db) -> list[str]:
    rows = query(
        db,
        f"""select table_schema || '.' || table_name from information_schema.tables
            where table_type = 'BASE TABLE' and table_schema in ({", ".join(f"'{s}'" for s in SCHEMAS)}) order by 1""",
    )
    return [r[0] for r in rows]


def differing_rows(left, right, relation: str) -> int:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        [(count,)] = con.execute(f"""select count(*) from (
            (select * from l.{relation} except all select * from r.{relation})
            union all
            (select * from r.{relation} except all select * from l.{relation}))""").fetchall()
        return count
    finally:
        con.close()


@pytest.fixture(scope="module")
def loads(sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    counts, redelivered_at = write_batches(sample.data_dir / "raw", root)
    return root, counts, redelivered_at


@pytest.fixture(scope="module")
def builds(loads):
    root, counts, redelivered_at = loads
    incremental = root / "incremental" / "warehouse.duckdb"
    full = root / "full" / "warehouse.duckdb"
    incremental.parent.mkdir()
    full.parent.mkdir()
    for batch in (1, 2, 3):
        load(root / f"load{batch}", incremental)
        dbt("build", *NOT_A_LIVE_FEED, db=incremental)  # every test, conservation included, after each load
    for batch in (1, 2, 3):
        load(root / f"load{batch}", full)
    dbt("build", "--full-refresh", *NOT_A_LIVE_FEED, db=full)
    return incremental, full, counts, redelivered_at


def test_the_loads_cross_each_other(builds):
    incremental, _, counts, redelivered_at = builds
    assert all(c > 1000 for c in counts)
    # the 40 load-1 events delivered again in load 3 are there, and none of them won staging
    redelivered = query(
        incremental,
        "select row_disposition, count(*) from staging.base_tracking__events where loaded_at = ? group by 1",
        [redelivered_at],
    )
    assert sum(n for _, n in redelivered) == 40
    assert set(dict(redelivered)) <= {"duplicate_delivery", "quarantined"}
    # every usable redelivery is a duplicate of an event staged from an earlier load (an unusable
    # one, a copy of a quarantined row, is quarantined again)
    staged_earlier = query(
        incremental,
        "select count(*) from staging.base_tracking__events where loaded_at = ? and row_disposition <> 'quarantined' "
        "and event_id in (select event_id from staging.stg_tracking__events where loaded_at < ?)",
        [redelivered_at, redelivered_at],
    )[0][0]
    assert dict(redelivered)["duplicate_delivery"] == staged_earlier > 20


def test_incremental_builds_equal_a_full_refresh_in_every_table(builds):
    incremental, full, _, _ = builds
    tables = relations(full)
    assert relations(incremental) == tables
    assert {"staging.base_tracking__events", "marts.dim_customer_profiles", "exports.audience_ad_platforms"} <= set(tables)
    differences = {t: differing_rows(incremental, full, t) for t in tables if t not in BUILD_HISTORY}
    assert {t: n for t, n in differences.items() if n} == {}
    assert query(incremental, "select count(*) from staging.stg_tracking__events")[0][0] > 0


def test_incremental_builds_equal_a_full_refresh_on_postgres(loads, postgres):
    root = loads[0]
    incremental, full = new_database(postgres, "incremental_test"), new_database(postgres, "full_test")
    for batch in (1, 2, 3):
        pg_load(incremental, root / f"load{batch}")
        dbt("build", *NOT_A_LIVE_FEED, db=root / "pg-incremental" / "unused.duckdb", env=incremental)
        pg_load(full, root / f"load{batch}")
    dbt("build", "--full-refresh", *NOT_A_LIVE_FEED, db=root / "pg-full" / "unused.duckdb", env=full)
    listed = f"""select table_schema || '.' || table_name from information_schema.tables
                 where table_type = 'BASE TABLE' and table_schema in ({", ".join(f"'{s}'" for s in SCHEMAS)}) order by 1"""
    tables = [r[0] for r in pg_rows(full, listed)]
    assert [r[0] for r in pg_rows(incremental, listed)] == tables and "staging.base_tracking__events" in tables
    differing = [
        t
        for t in tables
        if t not in BUILD_HISTORY
        and Counter(pg_rows(incremental, f"select * from {t}")) != Counter(pg_rows(full, f"select * from {t}"))
    ]
    assert differing == []
