"""Measure the pipeline and publish the numbers in the README's performance section.

    python scripts/benchmark.py generator --people 1000000 --update-readme
    python scripts/benchmark.py build --people 10000 100000 --update-readme

generator: runs scripts/generate_data.py as a subprocess and reports wall time, rows written,
rows per second and the peak resident memory of the whole process tree (the worker processes
included), sampled every 0.1 s.

build: per scale, generates the data (kept under target/benchmark/ for the next run), loads it into
a fresh DuckDB file, times the floor query (one DuckDB pass that reads every raw event and
aggregates per identifier: no build can do less), a full `dbt build` (every model and test), then
lands a 1% load of new, late events and times the incremental `dbt build`. Reports build / floor
and incremental / full ratios, peak RSS, identity rounds and the slowest models (run_results).

Results go to target/benchmark/<name>.json; --update-readme rewrites the README between its
perf markers, so the tables there always come from a run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from readme import update_section
from warehouse import PROJECT_DIR

FLOOR_QUERY = """
    select coalesce(user_id, email, anonymous_id) as identifier, count(*) as events,
           min(occurred_at) as first_at, max(occurred_at) as last_at, count(distinct session_id) as sessions
    from raw.events group by 1
"""
# 1% of the events again as a new load: fresh ids, loaded an hour after the newest row, occurred
# when the originals did (late arrivals into past days).
NEW_LOAD = """
    insert into raw.events
    select * replace ('late-' || event_id as event_id, (select max(loaded_at) from raw.events) + interval 1 hour as loaded_at)
    from raw.events where hash(event_id) % 100 = 0
"""

RESULTS = PROJECT_DIR / "target" / "benchmark"


def run_measured(command: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run command; return wall seconds and the peak summed RSS (bytes) of it and its children."""
    start = time.perf_counter()
    process = psutil.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return time.perf_counter() - start, peak


def bench_generator(people: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(dir=PROJECT_DIR / "target") as scratch:
        out = Path(scratch) / "data"
        command = [
            sys.executable,
            "scripts/generate_data.py",
            "--out",
            str(out),
            "--people",
            str(people),
            "--seed",
            str(seed),
            "--quiet",
        ]
        seconds, peak = run_measured(command)
        metadata = json.loads((out / "metadata.json").read_text())
        size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    rows = {table: spec["raw_rows"] for table, spec in metadata["expected"].items()}
    return {
        "benchmark": "generator",
        "people": people,
        "seed": seed,
        "rows": rows,
        "seconds": round(seconds, 1),
        "events_per_second": round(rows["events"] / seconds),
        "peak_rss_mib": round(peak / 2**20),
        "parquet_mib": round(size / 2**20),
        "command": f"python scripts/benchmark.py generator --people {people}",
        "machine": machine(),
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def generator_table(result: dict) -> str:
    rows = result["rows"]
    return "\n".join(
        [
            f"Generator, measured by `{result['command']}` on {result['measured_at']} ({result['machine']}):",
            "",
            "| people | events | contacts | transactions | wall time | events/s | peak RSS (all processes) | Parquet |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {result['people']:,} | {rows['events']:,} | {rows['crm_contacts']:,} | {rows['transactions']:,} "
            f"| {result['seconds']:,} s | {result['events_per_second']:,} | {result['peak_rss_mib']:,} MiB "
            f"| {result['parquet_mib']:,} MiB |",
        ]
    )


def generated(people: int, seed: int) -> Path:
    """The raw data for a scale, generated once and kept for later runs."""
    out = RESULTS / f"data-{people}-{seed}"
    if not (out / "metadata.json").is_file():
        command = [sys.executable, "scripts/generate_data.py", "--out", str(out), "--people", str(people), "--seed", str(seed)]
        subprocess.run([*command, "--quiet"], cwd=PROJECT_DIR, check=True)
    return out / "raw"


def dbt_build(db: Path, target: Path) -> tuple[float, int, list[tuple[str, float]]]:
    """Time dbt build on db; returns wall seconds, peak RSS and the slowest models."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = {"DBT_PROFILES_DIR": str(PROJECT_DIR), "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"}
    seconds, peak = run_measured([dbt, "build", "--target-path", str(target), "--log-path", str(target / "logs")], env)
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = sorted(
        ((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results if r["unique_id"].startswith("model.")),
        key=lambda m: -m[1],
    )
    return seconds, peak, [(name, round(t, 1)) for name, t in models[:5]]


def bench_build(people: int, seed: int) -> dict:
    raw = generated(people, seed)
    with tempfile.TemporaryDirectory(dir=RESULTS) as scratch:
        db = Path(scratch) / "warehouse.duckdb"
        subprocess.run(
            [sys.executable, "scripts/load_raw.py", str(raw)],
            cwd=PROJECT_DIR,
            env={**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        con = duckdb.connect(str(db))
        events = con.execute("select count(*) from raw.events").fetchall()[0][0]
        start = time.perf_counter()
        con.execute(f"create temp table floor as {FLOOR_QUERY}")
        floor = time.perf_counter() - start
        con.close()
        full, peak, slowest = dbt_build(db, Path(scratch) / "full")
        con = duckdb.connect(str(db))
        rounds = con.execute("select max(rounds) from identity.int_identity_components").fetchall()[0][0]
        con.execute(NEW_LOAD)
        con.close()
        incremental, incremental_peak, _ = dbt_build(db, Path(scratch) / "incremental")
    return {
        "people": people,
        "events": events,
        "floor_seconds": round(floor, 2),
        "full_build_seconds": round(full, 1),
        "build_to_floor": round(full / floor, 1),
        "events_per_second": round(events / full),
        "peak_rss_mib": round(max(peak, incremental_peak) / 2**20),
        "incremental_build_seconds": round(incremental, 1),
        "incremental_to_full": round(incremental / full, 2),
        "identity_rounds": rounds,
        "slowest_models": slowest,
    }


def build_table(results: list[dict], command: str, machine: str, measured_at: str) -> str:
    lines = [
        f"Build, measured by `{command}` on {measured_at} ({machine}); `dbt build` runs every model and test:",
        "",
        "| people | events | floor query | full build | build ÷ floor | events/s | peak RSS "
        "| incremental (1% load) | incr. ÷ full | identity rounds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['people']:,} | {r['events']:,} | {r['floor_seconds']} s | {r['full_build_seconds']} s | {r['build_to_floor']} "
            f"| {r['events_per_second']:,} | {r['peak_rss_mib']:,} MiB | {r['incremental_build_seconds']} s "
            f"| {r['incremental_to_full']} | {r['identity_rounds']} |"
        )
    slowest = ", ".join(f"{name} {t} s" for name, t in results[-1]["slowest_models"])
    lines += ["", f"Slowest models at {results[-1]['people']:,} people (full build): {slowest}."]
    return "\n".join(lines)


def machine() -> str:
    return f"{os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, {platform.python_version()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=["generator", "build"])
    parser.add_argument("--people", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.benchmark == "generator":
        result = bench_generator(args.people[0], args.seed)
        (RESULTS / "generator.json").write_text(json.dumps(result, indent=2) + "\n")
        table, section = generator_table(result), "perf"
    else:
        results = [bench_build(people, args.seed) for people in args.people]
        command = f"python scripts/benchmark.py build --people {' '.join(map(str, args.people))}"
        measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (RESULTS / "build.json").write_text(json.dumps({"command": command, "results": results}, indent=2) + "\n")
        table, section = build_table(results, command, machine(), measured_at), "perf-build"
    print(table)
    if args.update_readme:
        update_section(section, table)


if __name__ == "__main__":
    main()
