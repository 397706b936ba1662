"""Measure the pipeline and publish the numbers in the README's performance section.

    python scripts/benchmark.py generator --people 1000000 --update-readme

generator: runs scripts/generate_data.py as a subprocess and reports wall time, rows written,
rows per second and the peak resident memory of the whole process tree (the worker processes
included), sampled every 0.1 s. Results go to target/benchmark/<name>.json; --update-readme
rewrites the README between its perf markers, so the table there always comes from a run.
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

import psutil

from readme import update_section
from warehouse import PROJECT_DIR

RESULTS = PROJECT_DIR / "target" / "benchmark"


def run_measured(command: list[str]) -> tuple[float, int]:
    """Run command; return wall seconds and the peak summed RSS (bytes) of it and its children."""
    start = time.perf_counter()
    process = psutil.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL)
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
        "machine": f"{os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, {platform.python_version()}",
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=["generator"])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = bench_generator(args.people, args.seed)
    (RESULTS / "generator.json").write_text(json.dumps(result, indent=2) + "\n")
    table = generator_table(result)
    print(table)
    if args.update_readme:
        update_section("perf", table)


if __name__ == "__main__":
    main()
