"""Load Parquet, CSV or JSON Lines files into the warehouse's raw landing schema, idempotently.

    unified-segments load data/sample/raw            # the target the dbt profile uses
    unified-segments load my_files --target postgres --loaded-at 2026-11-01T06:00:00
    unified-segments load crm_export --encoding latin-1
    unified-segments load shopify_exports --preset shopify   # or segment, rudderstack, ga4

DIR holds, per raw table, a folder <table>/ of files or a single file <table>.<format>: .parquet,
.csv, .jsonl / .ndjson / .json (JSON Lines), each of the text ones optionally gzipped (.csv.gz).
CSV is read as UTF-8 unless --encoding names another encoding (any Python codec); a file that is
not UTF-8 is refused in one line naming the byte offset. JSON Lines events may be nested the way
event pipelines deliver them (Segment / RudderStack: properties.price, context.page.url): JSON_PATHS
maps them to the contract. Every raw column is landed as text (a file is what it is; staging does
the typing), except loaded_at, a UTC timestamp: taken from the file where present, else stamped
with the load time. Columns outside the contract are ignored and reported. A file whose content
was loaded before (same SHA-256, same table) is skipped, so loading a batch twice never doubles
rows. Every file is checked before any is loaded: a refusal is one line and loads nothing.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import tempfile
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import duckdb
import typer
import yaml

from unified_segments import adapters
from unified_segments.progress import track
from unified_segments.warehouse import PROJECT_DIR, Warehouse, connect

RAW_SCHEMA = "raw"


def declared_sources() -> list[tuple[str, dict]]:
    """(source name, table entry) of every raw table the sources YAMLs under models/staging/ declare."""
    return [
        (source["name"], table)
        for path in sorted(PROJECT_DIR.glob("models/staging/*/_*__sources.yml"))
        for source in yaml.safe_load(path.read_text())["sources"]
        for table in source["tables"]
    ]


def read_contract() -> dict[str, tuple[list[str], set[str]]]:
    """The raw landing contract, table -> (columns in order, columns every file must carry), as the
    sources YAMLs declare it (meta required: true); staging reads the same."""
    contract: dict[str, tuple[list[str], set[str]]] = {}
    for _, table in declared_sources():
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


# File formats the loader reads, by how a file's name ends (gzip-compressed or not).
CSV_SUFFIXES = (".csv", ".csv.gz")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
SUFFIXES = (".parquet", *CSV_SUFFIXES, *JSON_SUFFIXES)
# JSON Lines, as event pipelines deliver them: contract column <- the JSON paths tried in order,
# the first one present wins. Our own names come first; then the Segment / RudderStack tracking
# spec (messageId, anonymousId, userId, properties.*, context.*). Other tables take top-level keys.
JSON_PATHS: dict[str, dict[str, list[str]]] = {
    "events": {
        "event_id": ["event_id", "messageId", "message_id", "id"],
        "event_type": ["event_type", "event", "type"],
        "occurred_at": ["occurred_at", "timestamp", "originalTimestamp", "sentAt"],
        "anonymous_id": ["anonymous_id", "anonymousId"],
        "user_id": ["user_id", "userId"],
        "email": ["email", "traits.email", "context.traits.email", "properties.email"],
        "session_id": ["session_id", "properties.session_id", "context.session_id", "context.sessionId"],
        "page_url": ["page_url", "properties.url", "context.page.url"],
        "product_id": ["product_id", "properties.product_id"],
        "product_category": ["product_category", "properties.category"],
        "price": ["price", "properties.price"],
        "quantity": ["quantity", "properties.quantity"],
        "device_type": ["device_type", "context.device.type"],
        "utm_source": ["utm_source", "context.campaign.source"],
    }
}


def table_file_name(path: Path) -> str:
    """The name without the format suffix: events.csv.gz -> events."""
    name = path.name
    return next((name[: -len(suffix)] for suffix in SUFFIXES if name.endswith(suffix)), name)


def find_files(source_dir: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for table in RAW_CONTRACT:
        folder = source_dir / table
        files = sorted(p for p in folder.glob("*") if p.name.endswith(SUFFIXES)) if folder.is_dir() else []
        files += sorted(p for p in source_dir.glob(f"{table}.*") if p.is_file() and table_file_name(p) == table)
        if files:
            found[table] = files
    return found


def open_text_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path, check_utf8: bool) -> str:
    """The file's SHA-256; with check_utf8, refuses in one line a file that is not UTF-8, naming
    the byte offset of the first bad byte (in the uncompressed text) and the option to use."""
    if check_utf8:
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        with open_text_bytes(path) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    bad = offset + error.start
                    raise SystemExit(
                        f"{path}: not UTF-8 (byte 0x{block[error.start]:02x} at offset {bad:,}); "
                        "give its encoding with --encoding, e.g. --encoding latin-1 (or cp1252 for Excel on Windows)"
                    ) from None
                offset += len(block)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise SystemExit(
                    f"{path}: not UTF-8 (the file ends inside a character); give its encoding with --encoding"
                ) from None
    return sha256(path)


def transcoded(path: Path, encoding: str, folder: Path) -> Path:
    """A UTF-8 copy of a CSV in another encoding (DuckDB reads UTF-8), streamed in blocks."""
    target = folder / (path.name.removesuffix(".gz") if path.name.endswith(".gz") else path.name)
    with open_text_bytes(path) as raw, target.open("w", encoding="utf-8", newline="") as out:
        text = codecs.getreader(encoding)(raw, errors="strict")
        try:
            for block in iter(lambda: text.read(1 << 20), ""):
                out.write(block)
        except UnicodeDecodeError as error:
            raise SystemExit(f"{path}: not {encoding} ({error.reason}); check --encoding") from None
    return target


def quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def json_select(reader: duckdb.DuckDBPyConnection, table: str, path: Path) -> tuple[str, set[str]]:
    """SQL that reads JSON Lines into the contract's columns as text, and the columns found."""
    columns = [*RAW_CONTRACT[table][0], "loaded_at"]
    paths = JSON_PATHS.get(table, {})
    source = f"read_json_objects({quoted(path)}, format = 'newline_delimited')"
    exprs = {}
    for column in columns:
        candidates = paths.get(column, [column])
        extracted = [f"json_extract_string(json, '$.{candidate}')" for candidate in candidates]
        exprs[column] = extracted[0] if len(extracted) == 1 else f"coalesce({', '.join(extracted)})"
    found_sql = ", ".join(f"count({expr}) > 0" for expr in exprs.values())
    found_flags = reader.execute(f"select {found_sql} from {source}").fetchall()[0]
    present = {column for column, found in zip(exprs, found_flags, strict=True) if found}
    select = ", ".join(f"{expr} as {column}" for column, expr in exprs.items() if column in present)
    return f"select {select} from {source}", present


def contract_select(
    reader: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    stamp: datetime,
    encoding: str = "utf-8",
    scratch: Path | None = None,
) -> tuple[str, list[str]]:
    """SQL that shapes one file into the contract's columns, and the file's ignored columns."""
    columns, required = RAW_CONTRACT[table]
    if path.name.endswith(JSON_SUFFIXES):
        source_sql, found = json_select(reader, table, path)
        source = f"({source_sql})"
        present = {c: c for c in found}
        ignored: list[str] = []
    else:
        if path.name.endswith(CSV_SUFFIXES):
            readable = (
                transcoded(path, encoding, scratch) if encoding.lower().replace("_", "-") not in ("utf-8", "utf8") else path
            )
            source = f"read_csv({quoted(readable)}, header = true, all_varchar = true)"
        else:
            source = f"read_parquet({quoted(path)})"
        present = {row[0].lower(): row[0] for row in reader.execute(f"describe select * from {source}").fetchall()}
        ignored = sorted(set(present) - set(columns) - {"loaded_at"})
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
    return f"select {', '.join(select)} from {source}", ignored


def load(
    source_dir: Path, wh: Warehouse, stamp: datetime | None = None, replace: bool = False, encoding: str = "utf-8"
) -> dict[str, dict]:
    """Load every contract file under source_dir; returns per table the files and rows loaded and
    skipped. Every file is checked (encoding, required columns, readability) before any is loaded,
    so a refusal loads nothing; each file then lands whole or not at all."""
    stamp = stamp or datetime.now(UTC).replace(tzinfo=None)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SystemExit(
            f"--encoding {encoding}: unknown encoding (Python codec names: latin-1, cp1252, utf-16, shift_jis ...)"
        ) from None
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    create_raw_tables(wh, replace=replace)
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    summary: dict[str, dict] = {}
    planned: list[tuple[str, Path, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="load_raw_") as scratch:
        for table, files in find_files(source_dir).items():
            stats = summary.setdefault(table, {"files_loaded": 0, "files_skipped": 0, "rows_loaded": 0, "ignored_columns": set()})
            for path in files:
                is_text = path.name.endswith(CSV_SUFFIXES + JSON_SUFFIXES)
                digest = fingerprint(path, check_utf8=is_text and (is_utf8 or path.name.endswith(JSON_SUFFIXES)))
                p = wh.param
                if wh.rows(f"select 1 from {LOAD_LOG} where table_name = {p} and file_sha256 = {p}", (table, digest)):
                    stats["files_skipped"] += 1
                    continue
                try:
                    sql, ignored = contract_select(reader, table, path, stamp, encoding, Path(scratch))
                    reader.execute(f"select count(*) from ({sql})").fetchall()  # a bad line refuses before any load
                except duckdb.Error as error:
                    raise SystemExit(f"{path}: unreadable as {table}: {str(error).splitlines()[0]}") from None
                stats["ignored_columns"].update(ignored)
                planned.append((table, path, digest, sql))
        for table, path, digest, sql in track(planned, len(planned), "loading (files)"):
            stats = summary[table]
            with wh.transaction():
                rows = wh.append_arrow(f"{RAW_SCHEMA}.{table}", reader.sql(sql).to_arrow_reader(BATCH_ROWS))
                wh.execute(f"insert into {LOAD_LOG} values ({', '.join([p] * 5)})", (table, path.name, digest, rows, stamp))
            stats["files_loaded"] += 1
            stats["rows_loaded"] += rows
    reader.close()
    return summary


Target = Enum("Target", {name: name for name in ("duckdb", "postgres", "spark")}, type=str)
Preset = Enum("Preset", {name: name for name in adapters.PRESETS}, type=str)


def main(
    source_dir: Annotated[Path, typer.Argument(help="a folder of <table>/ folders or <table>.parquet|csv|jsonl files")],
    target: Annotated[Target | None, typer.Option(help="default: UNIFIED_SEGMENTS_TARGET or duckdb")] = None,
    loaded_at: Annotated[datetime | None, typer.Option(help="UTC time stamped on rows without loaded_at (default: now)")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="drop the raw tables and the load log first")] = False,
    encoding: Annotated[str, typer.Option(help="text encoding of the CSV files (e.g. latin-1, cp1252, utf-16)")] = "utf-8",
    preset: Annotated[
        Preset | None, typer.Option(help="the folder holds a vendor's files: map them to the contract (scripts/adapters.py)")
    ] = None,
) -> None:
    """Land a folder of files in the raw tables."""
    if not source_dir.is_dir():
        raise SystemExit(f"{source_dir} is not a folder")
    wh = connect(target and target.value)
    try:
        if preset:
            stamp = loaded_at or datetime.now(UTC).replace(tzinfo=None)
            with tempfile.TemporaryDirectory(prefix=f"{preset.value}_") as mapped:
                adapters.convert(preset.value, source_dir, Path(mapped), stamp)
                summary = load(Path(mapped), wh, stamp, replace)
        else:
            summary = load(source_dir, wh, loaded_at, replace, encoding)
    finally:
        wh.close()
    if not summary:
        raise SystemExit(
            f"no contract files under {source_dir} (expected <table>/ folders or <table>.parquet|csv|jsonl, "
            f"tables {', '.join(RAW_CONTRACT)})"
        )
    for table, s in summary.items():
        note = f"; ignored columns: {', '.join(sorted(s['ignored_columns']))}" if s["ignored_columns"] else ""
        print(
            f"raw.{table}: loaded {s['rows_loaded']:,} rows from {s['files_loaded']} file(s), "
            f"skipped {s['files_skipped']} already-loaded file(s){note}"
        )


if (
    __name__ == "__main__"
):  # run as a file, python scripts/load_raw.py, or in the Spark venv (without the CLI's other dependencies)
    typer.run(main)
