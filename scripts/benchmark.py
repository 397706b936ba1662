"""Measure the pipeline and publish the numbers in the README's performance section.

    unified-segments benchmark generator --people 1000000 --update-readme
    unified-segments benchmark build --people 10000 --people 100000 --update-readme
    unified-segments benchmark matching --update-readme

generator: runs `unified-segments generate` as a subprocess and reports wall time, rows written,
rows per second and the peak resident memory of the whole process tree (the worker processes
included), sampled every 0.1 s.

build: per scale, generates the data (kept under target/benchmark/ for the next run), loads it into
a fresh DuckDB file, times two floors (one DuckDB pass that reads every raw event and aggregates
per identifier: no build can do less; and one pass that also parses the timestamps and keeps the
first delivery per event id, the least staging must do), a full `dbt build` (every model and test,
under the profile's memory limit), then lands a 1% load of new, late events and times the
incremental `dbt build`, then the latency of a micro-batch (unified-segments microbatch) of another 1%
landed as a file: load, build what it changes, export the change set. Reports build / typed floor
and incremental / full ratios, the peak RSS of the whole process tree, the matching models'
seconds, identity rounds and the slowest models (run_results).

matching: per FEBRL data set (1-4, scripts/febrl.py), lands the records as a CRM contact list in a
fresh DuckDB file and matches them as a user would, with one plain `dbt build` (the weights are
estimated from the data in the build, without labels). Then runs Splink 5 on the same fields,
normalised records and blocking rules (scripts/splink_reference.py) in its own process. Reports
pairwise precision, recall and F1 at the default threshold, the best F1 over a sweep of
thresholds, matching seconds (ours: the int_match_* models, estimation included; Splink: training
and prediction) and the peak RSS of each process tree (ours: the whole dbt build).

Results go to target/benchmark/<name>.json; --update-readme rewrites the README between its
perf markers, so the tables there always come from a run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import psutil
import typer

from unified_segments import febrl
from unified_segments.readme import update_section
from unified_segments.warehouse import PROJECT_DIR, project_var

FLOOR_QUERY = """
    select coalesce(user_id, email, anonymous_id) as identifier, count(*) as events,
           min(occurred_at) as first_at, max(occurred_at) as last_at, count(distinct session_id) as sessions
    from raw.events group by 1
"""
# The second floor: what staging must do at least, in one pass: parse the timestamps, keep the first
# delivery per event id, then aggregate per identifier.
TYPED_FLOOR_QUERY = """
    with first_deliveries as (
        select coalesce(user_id, email, anonymous_id) as identifier, session_id,
               try_cast(occurred_at as timestamptz) as occurred_at
        from raw.events
        qualify row_number() over (partition by event_id order by loaded_at) = 1
    )
    select identifier, count(*) as events, min(occurred_at) as first_at, max(occurred_at) as last_at,
           count(distinct session_id) as sessions
    from first_deliveries group by 1
"""
# 1% of the events again as a new load: fresh ids, loaded an hour after the newest row, occurred
# when the originals did (late arrivals into past days).
NEW_LOAD = """
    insert into raw.events
    select * replace ('late-' || event_id as event_id, (select max(loaded_at) from raw.events) + interval 1 hour as loaded_at)
    from raw.events where hash(event_id) % 100 = 0
"""

# The micro-batch: another 1% of the events with fresh ids, landed as a file two hours after the newest row.
MICRO_BATCH = """
    select * replace ('batch-' || event_id as event_id, (select max(loaded_at) from raw.events) + interval 2 hour as loaded_at)
    from raw.events where hash(event_id) % 100 = 1
"""

CLI = [sys.executable, "-m", "unified_segments"]  # the command, as this Python runs it
RESULTS = PROJECT_DIR / "target" / "benchmark"
# Match probabilities at which the matching benchmark also reports F1, to show each tool at its best.
SWEEP = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999)


def run_measured(command: list[str], env: dict | None = None, stdout: Path | None = None) -> tuple[float, int]:
    """Run command (its output to stdout, or dropped); return wall seconds and the peak summed RSS
    (bytes) of it and its children."""
    start = time.perf_counter()
    out = stdout.open("w") if stdout else subprocess.DEVNULL
    process = psutil.Popen(command, cwd=PROJECT_DIR, stdout=out, env={**os.environ, **(env or {})})
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    if stdout:
        out.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return time.perf_counter() - start, peak


def bench_generator(people: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(dir=PROJECT_DIR / "target") as scratch:
        out = Path(scratch) / "data"
        command = [
            *CLI,
            "generate",
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
        "command": f"unified-segments benchmark generator --people {people}",
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
        command = [*CLI, "generate", "--out", str(out), "--people", str(people), "--seed", str(seed)]
        subprocess.run([*command, "--quiet"], cwd=PROJECT_DIR, check=True)
    return out / "raw"


def duckdb_env(db: Path) -> dict:
    return {"DBT_PROFILES_DIR": str(PROJECT_DIR), "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"}


def model_times(target: Path) -> list[tuple[str, float]]:
    """(model, seconds) of a dbt run's run_results, slowest first."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return sorted(
        ((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results if r["unique_id"].startswith("model.")),
        key=lambda m: -m[1],
    )


def dbt_build(db: Path, target: Path, *select: str) -> tuple[float, int, list[tuple[str, float]]]:
    """Time dbt build on db; returns wall seconds, peak RSS and the slowest models."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    command = [dbt, "build", *select, "--target-path", str(target), "--log-path", str(target / "logs")]
    seconds, peak = run_measured(command, duckdb_env(db))
    return seconds, peak, [(name, round(t, 1)) for name, t in model_times(target)[:5]]


def floor_seconds(con, query: str) -> float:
    """Seconds to materialize a floor query's result (then dropped, outside the timing)."""
    start = time.perf_counter()
    con.execute(f"create temp table floor as {query}")
    seconds = time.perf_counter() - start
    con.execute("drop table floor")
    return seconds


def bench_build(people: int, seed: int) -> dict:
    raw = generated(people, seed)
    with tempfile.TemporaryDirectory(dir=RESULTS) as scratch:
        db = Path(scratch) / "warehouse.duckdb"
        subprocess.run(
            [*CLI, "load", str(raw)],
            cwd=PROJECT_DIR,
            env={**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        con = duckdb.connect(str(db))
        events = con.execute("select count(*) from raw.events").fetchall()[0][0]
        floor, typed_floor = floor_seconds(con, FLOOR_QUERY), floor_seconds(con, TYPED_FLOOR_QUERY)
        con.close()
        full, peak, slowest = dbt_build(db, Path(scratch) / "full")
        matching = matching_seconds(Path(scratch) / "full")
        con = duckdb.connect(str(db))
        rounds = con.execute("select max(rounds) from identity.int_identity_components").fetchall()[0][0]
        con.execute(NEW_LOAD)
        con.close()
        incremental, incremental_peak, _ = dbt_build(db, Path(scratch) / "incremental")
        microbatch, microbatch_peak, microbatch_steps = micro_batch(db, Path(scratch))
    return {
        "people": people,
        "events": events,
        "floor_seconds": round(floor, 2),
        "typed_floor_seconds": round(typed_floor, 2),
        "full_build_seconds": round(full, 1),
        "build_to_typed_floor": round(full / typed_floor, 1),
        "events_per_second": round(events / full),
        "peak_rss_mib": round(max(peak, incremental_peak, microbatch_peak) / 2**20),
        "incremental_build_seconds": round(incremental, 1),
        "incremental_to_full": round(incremental / full, 2),
        "microbatch_seconds": round(microbatch, 1),
        "microbatch_steps": microbatch_steps,
        "matching_seconds": round(matching, 1),
        "identity_rounds": rounds,
        "slowest_models": slowest,
    }


def micro_batch(db: Path, scratch: Path) -> tuple[float, int, dict[str, float]]:
    """Latency of one micro-batch (unified-segments microbatch: load a landed file of events, build what it
    changes, export the change set), after the data built so far is recorded as built; and the
    seconds of its steps."""
    env = duckdb_env(db)
    subprocess.run([*CLI, "microbatch", "--mark-built"], cwd=PROJECT_DIR, env={**os.environ, **env}, check=True)
    landing = scratch / "landing"
    landing.mkdir()
    con = duckdb.connect(str(db))
    con.execute(f"copy ({MICRO_BATCH}) to '{landing / 'events.parquet'}' (format parquet)")
    con.close()
    options = ["--out", str(scratch / "exports"), "--target-path", str(scratch / "microbatch")]
    seconds, peak = run_measured([*CLI, "microbatch", str(landing), *options], env, stdout=scratch / "microbatch.log")
    con = duckdb.connect(str(db), read_only=True)
    steps = con.execute(
        "select load_seconds, build_seconds, export_seconds from audit.microbatch_runs order by recorded_at desc limit 1"
    ).fetchall()[0]
    con.close()
    return seconds, peak, dict(zip(("load", "build", "export"), (round(s, 1) for s in steps), strict=True))


def build_table(results: list[dict], command: str, machine: str, measured_at: str) -> str:
    lines = [
        f"Build, measured by `{command}` on {measured_at} ({machine}); `dbt build` runs every model and test:",
        "",
        "| people | events | floor query | typed floor | full build | build ÷ typed floor | events/s | peak RSS "
        "| incremental (1% load) | incr. ÷ full | micro-batch (1% file) | identity rounds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['people']:,} | {r['events']:,} | {r['floor_seconds']} s | {r['typed_floor_seconds']} s "
            f"| {r['full_build_seconds']} s | {r['build_to_typed_floor']} "
            f"| {r['events_per_second']:,} | {r['peak_rss_mib']:,} MiB | {r['incremental_build_seconds']} s "
            f"| {r['incremental_to_full']} | {r['microbatch_seconds']} s | {r['identity_rounds']} |"
        )
    slowest = ", ".join(f"{name} {t} s" for name, t in results[-1]["slowest_models"])
    lines += [
        "",
        f"Slowest models at {results[-1]['people']:,} people (full build): {slowest}; the matching models "
        f"(int_match_*) took {results[-1]['matching_seconds']} s in all. The micro-batch there: "
        + ", ".join(f"{step} {s} s" for step, s in results[-1]["microbatch_steps"].items())
        + ".",
    ]
    return "\n".join(lines)


def matching_seconds(target: Path) -> float:
    return sum(t for name, t in model_times(target) if name.startswith("int_match_"))


def scored_pairs(rows) -> dict[tuple[str, str], float]:
    return {tuple(sorted((a, b))): float(p) for a, b, p in rows}


def at_thresholds(scored: dict[tuple[str, str], float], truth: set, threshold: float) -> dict:
    """Scores at the default threshold, and the best F1 over the sweep (with its threshold)."""

    def matched(t):
        return {pair for pair, p in scored.items() if p >= t}

    best = max(SWEEP, key=lambda t: (febrl.scores(matched(t), truth)["f1"], t))
    return {
        **febrl.scores(matched(threshold), truth),
        "best_f1": febrl.scores(matched(best), truth)["f1"],
        "best_threshold": best,
    }


def bench_matching(name: str, threshold: float) -> dict:
    people = febrl.records(name)
    truth = febrl.true_pairs(people)
    with tempfile.TemporaryDirectory(dir=RESULTS) as scratch:
        root = Path(scratch)
        (root / "raw").mkdir()
        febrl.contacts(people).to_csv(root / "raw" / "crm_contacts.csv", index=False)
        db = root / "warehouse.duckdb"
        env = {**os.environ, **duckdb_env(db)}
        subprocess.run(
            [*CLI, "load", str(root / "raw")],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _, build_peak, _ = dbt_build(db, root / "build")
        con = duckdb.connect(str(db), read_only=True)
        scored = con.execute("select record_id_a, record_id_b, match_probability from identity.int_match_pairs_scored")
        ours = scored_pairs(scored.fetchall())
        con.close()
        splink_pairs = root / "splink.csv"
        command = [
            *CLI,
            "splink-reference",
            str(db),
            str(splink_pairs),
            "--threshold",
            str(SWEEP[0]),
        ]
        _, splink_peak = run_measured(command, stdout=root / "splink.out")
        splink_seconds = float((root / "splink.out").read_text().split()[-1])  # training and prediction
        predicted = pd.read_csv(splink_pairs, dtype={"contact_id_l": str, "contact_id_r": str})
        theirs = scored_pairs(zip(predicted.contact_id_l, predicted.contact_id_r, predicted.match_probability, strict=True))
        return {
            "data_set": name,
            "records": len(people),
            "true_pairs": len(truth),
            "ours": {
                **at_thresholds(ours, truth, threshold),
                "seconds": round(matching_seconds(root / "build"), 1),
                "peak_rss_mib": round(build_peak / 2**20),
            },
            "splink": {
                **at_thresholds(theirs, truth, threshold),
                "seconds": round(splink_seconds, 1),
                "peak_rss_mib": round(splink_peak / 2**20),
            },
        }


def prf(score: dict) -> str:
    return f"{score['precision']:.3f} / {score['recall']:.3f} / **{score['f1']:.3f}**"


def matching_table(results: list[dict], command: str, threshold: float, measured_at: str) -> str:
    lines = [
        f"Matching, measured by `{command}` on {measured_at} ({machine()}), pairwise at match probability {threshold}:",
        "",
        "| data set | records | true pairs | ours: P / R / F1 | Splink 5: P / R / F1 | best F1 (at p): ours / Splink "
        "| ours: s, peak RSS | Splink: s, peak RSS |",
        "|---|---:|---:|---|---|---|---:|---:|",
    ]
    for r in results:
        o, s = r["ours"], r["splink"]
        lines.append(
            f"| {r['data_set']} | {r['records']:,} | {r['true_pairs']:,} | {prf(o)} | {prf(s)} "
            f"| {o['best_f1']:.3f} ({o['best_threshold']}) / {s['best_f1']:.3f} ({s['best_threshold']}) "
            f"| {o['seconds']} s, {o['peak_rss_mib']:,} MiB | {s['seconds']} s, {s['peak_rss_mib']:,} MiB |"
        )
    return "\n".join(lines)


def machine() -> str:
    return f"{os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, {platform.python_version()}"


Benchmark = Enum("Benchmark", {name: name for name in ("generator", "build", "matching")}, type=str)


def main(
    benchmark: Annotated[Benchmark, typer.Argument(help="what to measure")],
    people: Annotated[list[int] | None, typer.Option(help="people per scale (repeat for several; default 1000000)")] = None,
    seed: Annotated[int, typer.Option(help="the generator's seed")] = 42,
    data_sets: Annotated[
        list[str] | None, typer.Option("--data-set", help=f"FEBRL data set (repeat; default all: {', '.join(febrl.DATA_SETS)})")
    ] = None,
    update_readme: Annotated[bool, typer.Option("--update-readme", help="publish the table in the README")] = False,
) -> None:
    people = people or [1_000_000]
    data_sets = data_sets or list(febrl.DATA_SETS)
    unknown = sorted(set(data_sets) - set(febrl.DATA_SETS))
    if unknown:
        raise SystemExit(f"unknown FEBRL data set {', '.join(unknown)}: choose from {', '.join(febrl.DATA_SETS)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    if benchmark.value == "generator":
        result = bench_generator(people[0], seed)
        (RESULTS / "generator.json").write_text(json.dumps(result, indent=2) + "\n")
        table, section = generator_table(result), "perf"
    elif benchmark.value == "matching":
        threshold = float(project_var("unified_segments_match_threshold"))
        results = [bench_matching(name, threshold) for name in data_sets]
        command = "unified-segments benchmark matching " + " ".join(f"--data-set {name}" for name in data_sets)
        measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (RESULTS / "matching.json").write_text(json.dumps({"command": command, "results": results}, indent=2) + "\n")
        table, section = matching_table(results, command, threshold, measured_at), "perf-matching"
    else:
        results = [bench_build(n, seed) for n in people]
        command = "unified-segments benchmark build " + " ".join(f"--people {n}" for n in people)
        measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (RESULTS / "build.json").write_text(json.dumps({"command": command, "results": results}, indent=2) + "\n")
        table, section = build_table(results, command, machine(), measured_at), "perf-build"
    print(table)
    if update_readme:
        update_section(section, table)


if __name__ == "__main__":  # run as a file, python scripts/benchmark.py: the same command as in unified-segments
    typer.run(main)
