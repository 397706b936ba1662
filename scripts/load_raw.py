"""Load Parquet or CSV files into the warehouse's raw landing schema, idempotently.

    python scripts/load_raw.py data/sample/raw            # the target the dbt profile uses
    python scripts/load_raw.py my_files --target postgres --loaded-at 2026-11-01T06:00:00

DIR holds, per raw table, a folder <table>/ of files or a single file <table>.parquet|.csv.
Every raw column is landed as text (a file is what it is; staging does the typing), except
loaded_at, a UTC timestamp: taken from the file where present, else stamped with the load time.
Columns outside the contract are ignored and reported. A file whose content was loaded before
(same SHA-256, same table) is skipped, so loading a batch twice never doubles rows.
"""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

from warehouse import Warehouse, connect

RAW_SCHEMA = "raw"
PROJECT_DIR = Path(__file__).resolve().parents[1]


def read_contract() -> dict[str, tuple[list[str], set[str]]]:
    """The raw landing contract, table -> (columns in order, columns every file must carry), as the
    sources YAMLs under models/staging/ declare it (meta required: true); staging reads the same."""
    contract: dict[str, tuple[list[str], set[str]]] = {}
    for path in sorted(PROJECT_DIR.glob("models/staging/*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                columns = [c for c in table["columns"] if c["name"] != "loaded_at"]
                required = {c["name"] for c in columns if (c.get("meta") or {}).get("required")}
                contract[table["name"]] = ([c["name"] for c in columns], required)
    return contract


RAW_CONTRACT = read_contract()
LOAD_LOG = f"{RAW_SCHEMA}._load_log"
BATCH_ROWS = 500_000


def create_raw_tables(wh: Warehouse, replace: bool = False) -> None:
    wh.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table, (columns, _) in RAW_CONTRACT.items():
        if replace:
            wh.execute(f"drop table if exists {RAW_SCHEMA}.{table}")
        body = ", ".join(f"{c} {wh.text_type}" for c in columns)
        wh.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({body}, loaded_at timestamp)")
        try:
            wh.rows(f"select {', '.join(columns)}, loaded_at from {RAW_SCHEMA}.{table} where 1 = 0")
        except Exception as error:  # the engine's own error names the column, at length
            raise SystemExit(
                f"{RAW_SCHEMA}.{table} lacks some of its contract columns ({', '.join(columns)}): it was created "
                "by an older version; reload every file with --replace"
            ) from error
    if replace:
        wh.execute(f"drop table if exists {LOAD_LOG}")
    wh.execute(
        f"create table if not exists {LOAD_LOG} (table_name {wh.text_type}, file_name {wh.text_type}, "
        f"file_sha256 {wh.text_type}, row_count bigint, loaded_at timestamp)"
    )


def find_files(source_dir: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for table in RAW_CONTRACT:
        folder = source_dir / table
        files = sorted(p for p in folder.glob("*") if p.suffix in (".parquet", ".csv")) if folder.is_dir() else []
        files += [p for p in (source_dir / f"{table}.parquet", source_dir / f"{table}.csv") if p.is_file()]
        if files:
            found[table] = files
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file_sql(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".csv":
        return f"read_csv('{quoted}', header = true, all_varchar = true)"
    return f"read_parquet('{quoted}')"


def contract_select(reader: duckdb.DuckDBPyConnection, table: str, path: Path, stamp: datetime) -> tuple[str, list[str]]:
    """SQL that shapes one file into the contract's columns, and the file's ignored columns."""
    columns, required = RAW_CONTRACT[table]
    source = read_file_sql(path)
    present = {row[0].lower(): row[0] for row in reader.execute(f"describe select * from {source}").fetchall()}
    missing = sorted(required - present.keys())
    if missing:
        raise SystemExit(
            f"{path}: the {table} contract requires column(s) {', '.join(missing)}; the file has {', '.join(sorted(present))}"
        )
    select = [f'cast("{present[c]}" as varchar) as {c}' if c in present else f"null::varchar as {c}" for c in columns]
    stamp_sql = f"timestamp '{stamp.isoformat(sep=' ')}'"
    if "loaded_at" in present:
        select.append(f'coalesce(try_cast("{present["loaded_at"]}" as timestamp), {stamp_sql}) as loaded_at')
    else:
        select.append(f"{stamp_sql} as loaded_at")
    ignored = sorted(set(present) - set(columns) - {"loaded_at"})
    return f"select {', '.join(select)} from {source}", ignored


def load(source_dir: Path, wh: Warehouse, stamp: datetime | None = None, replace: bool = False) -> dict[str, dict]:
    """Load every contract file under source_dir; returns per table the files and rows loaded and skipped."""
    stamp = stamp or datetime.now(UTC).replace(tzinfo=None)
    create_raw_tables(wh, replace=replace)
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    summary: dict[str, dict] = {}
    for table, files in find_files(source_dir).items():
        stats = summary.setdefault(table, {"files_loaded": 0, "files_skipped": 0, "rows_loaded": 0, "ignored_columns": set()})
        for path in files:
            digest = sha256(path)
            p = wh.param
            if wh.rows(f"select 1 from {LOAD_LOG} where table_name = {p} and file_sha256 = {p}", (table, digest)):
                stats["files_skipped"] += 1
                continue
            sql, ignored = contract_select(reader, table, path, stamp)
            stats["ignored_columns"].update(ignored)
            with wh.transaction():
                rows = wh.append_arrow(f"{RAW_SCHEMA}.{table}", reader.sql(sql).to_arrow_reader(BATCH_ROWS))
                wh.execute(f"insert into {LOAD_LOG} values ({', '.join([p] * 5)})", (table, path.name, digest, rows, stamp))
            stats["files_loaded"] += 1
            stats["rows_loaded"] += rows
    reader.close()
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source_dir", type=Path)
    parser.add_argument("--target", choices=("duckdb", "postgres", "spark"), help="default: UNIFIED_SEGMENTS_TARGET or duckdb")
    parser.add_argument(
        "--loaded-at", type=datetime.fromisoformat, help="UTC time stamped on rows without loaded_at (default: now)"
    )
    parser.add_argument("--replace", action="store_true", help="drop the raw tables and the load log first")
    args = parser.parse_args(argv)
    if not args.source_dir.is_dir():
        raise SystemExit(f"{args.source_dir} is not a folder")
    wh = connect(args.target)
    try:
        summary = load(args.source_dir, wh, args.loaded_at, args.replace)
    finally:
        wh.close()
    if not summary:
        raise SystemExit(f"no contract files under {args.source_dir} (expected <table>/ folders or <table>.parquet|csv)")
    for table, s in summary.items():
        note = f"; ignored columns: {', '.join(sorted(s['ignored_columns']))}" if s["ignored_columns"] else ""
        print(
            f"raw.{table}: loaded {s['rows_loaded']:,} rows from {s['files_loaded']} file(s), "
            f"skipped {s['files_skipped']} already-loaded file(s){note}"
        )


if __name__ == "__main__":
    main()
