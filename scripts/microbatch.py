"""One micro-batch: land new files, build only what they change, export the change set.

    unified-segments microbatch data/landing/2026-12-07T1000     # one landed folder
    unified-segments microbatch --mark-built                       # after a plain `dbt build`

1. load:   the folder's files into the raw tables (scripts/load_raw.py; a file loaded before is
           skipped, so landing the same folder twice adds nothing).
2. select: each raw table's fingerprint (rows, newest loaded_at) against the one the last
           micro-batch recorded in audit.microbatch_runs. Only the models downstream of a changed
           table are built (`dbt build --select source:<source>.<table>+`, their tests included):
           a load of events leaves the CRM staging and the probabilistic matching as they are. The
           whole project is built when nothing was recorded yet, when the project changed since
           (models, macros, seeds, tests, dbt_project.yml or --vars), and on a new UTC day (an
           as-of date of `today` moves every time window at midnight). Nothing changed: nothing
           is built or exported.
3. export: every audience with its change set against the previous export (scripts/export_audiences.py).
4. record: the fingerprints and each step's seconds, once the build and the export succeeded; a
           failed build records nothing, so the next micro-batch builds the same models again.

Models that are not rebuilt keep their tables, which equal a full refresh because none of their
inputs changed (tests/pytest/test_microbatch.py compares every table). Appends are what is
detected: a raw row edited or deleted in place keeps the fingerprint, so run `dbt build` after
one (then --mark-built). DuckDB and PostgreSQL targets (Spark rebuilds staging whole).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from unified_segments import export_audiences, warehouse
from unified_segments.load_raw import RAW_SCHEMA, declared_sources, load
from unified_segments.warehouse import PROJECT_DIR

STATE = "audit.microbatch_runs"
# What the models are made of: a change to any of these can change any table.
PROJECT_INPUTS = ("dbt_project.yml", "models", "macros", "seeds", "tests/generic")


def project_fingerprint(dbt_vars: str | None, day: date) -> str:
    """sha256 of every file the build reads from the project, by path, of the vars passed and of the day."""
    digest = hashlib.sha256(f"{day.isoformat()}\0{dbt_vars or ''}\0".encode())
    for name in PROJECT_INPUTS:
        root = PROJECT_DIR / name
        for path in sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()):
            digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def raw_fingerprints(wh: warehouse.Warehouse) -> dict[str, list]:
    """Per raw table the sources YAMLs declare: [rows, newest loaded_at]; absent tables are left out."""
    present = {
        name for (name,) in wh.rows(f"select table_name from information_schema.tables where table_schema = '{RAW_SCHEMA}'")
    }
    fingerprints = {}
    for _, table in declared_sources():
        if table["name"] in present:
            rows, newest = wh.rows(f"select count(*), cast(max(loaded_at) as varchar) from {RAW_SCHEMA}.{table['name']}")[0]
            fingerprints[table["name"]] = [rows, newest]
    return fingerprints


def selection(previous: dict | None, current: dict) -> list[str] | None:
    """What to build: None for everything, else one selector per changed raw table (empty: nothing)."""
    if previous is None or previous["project"] != current["project"]:
        return None
    sources = {table["name"]: source for source, table in declared_sources()}
    changed = sorted(t for t in current["raw"].keys() | previous["raw"].keys() if current["raw"].get(t) != previous["raw"].get(t))
    return [f"source:{sources[t]}.{t}+" for t in changed]


def recorded_state(wh: warehouse.Warehouse) -> dict | None:
    """The fingerprints the last successful micro-batch recorded, or None."""
    exists = wh.rows("select 1 from information_schema.tables where table_schema = 'audit' and table_name = 'microbatch_runs'")
    if not exists:
        return None
    rows = wh.rows(f"select project_fingerprint, raw_fingerprints from {STATE} order by recorded_at desc limit 1")
    return {"project": rows[0][0], "raw": json.loads(rows[0][1])} if rows else None


def record(wh: warehouse.Warehouse, state: dict, selected: list[str] | None, seconds: dict[str, float]) -> None:
    wh.execute("create schema if not exists audit")
    wh.execute(
        f"""create table if not exists {STATE} (recorded_at timestamp, project_fingerprint {wh.text_type},
            raw_fingerprints {wh.text_type}, selected {wh.text_type}, load_seconds double precision,
            build_seconds double precision, export_seconds double precision)"""
    )
    p = wh.param
    wh.execute(
        f"insert into {STATE} values ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
        (
            datetime.now(UTC).replace(tzinfo=None),
            state["project"],
            json.dumps(state["raw"], sort_keys=True),
            "everything" if selected is None else " ".join(selected),
            seconds.get("load", 0.0),
            seconds.get("build", 0.0),
            seconds.get("export", 0.0),
        ),
    )


def dbt_build(selected: list[str] | None, dbt_vars: str | None, target_path: Path | None) -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "build"]
    if selected is not None:
        command += ["--select", *selected]
    if dbt_vars:
        command += ["--vars", dbt_vars]
    if target_path:
        command += ["--target-path", str(target_path), "--log-path", str(target_path / "logs")]
    env = {"DBT_PROFILES_DIR": str(PROJECT_DIR), **os.environ}
    if subprocess.run(command, cwd=PROJECT_DIR, env=env).returncode != 0:
        raise SystemExit("micro-batch: dbt build failed (its output is above); nothing was exported or recorded")


def current_state(wh: warehouse.Warehouse, dbt_vars: str | None) -> tuple[dict, dict | None]:
    """The fingerprints now, and those the last micro-batch recorded (None: none yet)."""
    project = project_fingerprint(dbt_vars, datetime.now(UTC).date())
    return {"project": project, "raw": raw_fingerprints(wh)}, recorded_state(wh)


def run(
    landing: Path | None, out: Path, dbt_vars: str | None = None, target_path: Path | None = None, mark_built: bool = False
) -> dict:
    """One micro-batch; returns what was selected (None: everything; []: nothing) and each step's seconds."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    wh = warehouse.connect()
    try:
        if landing is not None:
            load(landing, wh)
            seconds["load"] = time.perf_counter() - started
        state, previous = current_state(wh, dbt_vars)
    finally:
        wh.close()
    selected = [] if mark_built else selection(previous, state)
    if selected != []:
        step = time.perf_counter()
        dbt_build(selected, dbt_vars, target_path)
        seconds["build"] = time.perf_counter() - step
        step = time.perf_counter()
        wh = warehouse.connect(read_only=True)
        try:
            export_audiences.export(out, wh)
        finally:
            wh.close()
        seconds["export"] = time.perf_counter() - step
    if selected != [] or mark_built:
        wh = warehouse.connect()
        try:
            record(wh, state, selected, seconds)
        finally:
            wh.close()
    seconds["total"] = time.perf_counter() - started
    return {"selected": selected, "seconds": seconds}


def main(
    landing: Annotated[Path | None, typer.Argument(help="a folder of landed files (the load command's layout)")] = None,
    out: Annotated[Path, typer.Option(help="export folder")] = PROJECT_DIR / "exports",
    dbt_vars: Annotated[
        str | None, typer.Option("--vars", help="dbt --vars, passed to the build (part of the project fingerprint)")
    ] = None,
    target_path: Annotated[Path | None, typer.Option(help="dbt's --target-path (default: target/)")] = None,
    mark_built: Annotated[
        bool,
        typer.Option(
            "--mark-built",
            help="record the raw data as built, without building: after a plain `dbt build`, to start micro-batches",
        ),
    ] = False,
) -> None:
    if landing is not None and not landing.is_dir():
        raise SystemExit(f"{landing} is not a folder")
    if landing is None and not mark_built:
        raise SystemExit("give a landed folder, or --mark-built")
    result = run(landing, out, dbt_vars, target_path, mark_built)
    selected = result["selected"]
    if mark_built:
        built = "nothing (the raw data is recorded as built)"
    elif selected is None:
        built = "everything"
    else:
        built = " ".join(selected) or "nothing (no raw table changed)"
    print(f"micro-batch built {built}")
    print("  " + ", ".join(f"{step} {s:.1f} s" for step, s in result["seconds"].items()))


if __name__ == "__main__":  # run as a file, python scripts/microbatch.py: the same command as in unified-segments
    typer.run(main)
