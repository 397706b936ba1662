"""One quality check of the dev warehouse: source freshness, every dbt test, the Great Expectations
checkpoint; a short summary (pass / warn / fail per area, the worst offenders) and exit code 1 when
anything errors. Warnings are reported but do not fail.

    unified-segments quality [--target-path target/quality] [--no-freshness]

Areas follow the project's folders: sources (freshness), staging, identity, customers, segments,
exports, and great_expectations. Failing tests keep their rows in the audit schema
(store_failures); the summary says where. The generated sample data was loaded up to its as-of
date, not now, so its freshness fails, truthfully: pass --no-freshness for such historical data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from unified_segments import check_expectations, warehouse
from unified_segments.progress import step
from unified_segments.warehouse import PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))
BAD = {"fail", "error", "runtime error"}


def dbt(target_path: Path, result_file: str, *args: str) -> dict:
    """Run dbt and return its result file from target_path. Failing checks are results; dbt not
    getting as far as writing results (a compilation error, no warehouse) stops the command."""
    env = {**os.environ, "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR))}
    result = target_path / result_file
    result.unlink(missing_ok=True)
    command = [DBT, *args, "--target-path", str(target_path)]
    with step(f"dbt {args[0]}"):
        done = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if not result.is_file():
        raise SystemExit(f"dbt {' '.join(args)} did not run:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return json.loads(result.read_text())


def area_of(path: str) -> str:
    """models/staging/tracking/x.yml -> staging; models/marts/segments/x.yml -> segments."""
    parts = Path(path).parts
    if parts[0] != "models" or len(parts) < 3:
        return parts[0]
    return parts[1] if parts[1] in ("staging", "exports", "fixtures") else parts[2]


def freshness_results(target_path: Path) -> list[dict]:
    report = dbt(target_path, "sources.json", "source", "freshness")
    results = []
    for r in report["results"]:
        if r["status"] == "runtime error":
            message = r.get("error")
        else:
            error_after = r["criteria"]["error_after"]
            hours = r["max_loaded_at_time_ago_in_s"] / 3600
            limit = f"{error_after['count']} {error_after['period']}s"
            message = f"last loaded {r['max_loaded_at']}, {hours:.0f} h ago (error after {limit})"
        status = {"runtime error": "error"}.get(r["status"], r["status"])
        results.append(
            {"area": "sources", "name": "freshness of " + r["unique_id"].split(".", 2)[2], "status": status, "message": message}
        )
    return results


def test_results(target_path: Path) -> list[dict]:
    run = dbt(target_path, "run_results.json", "test")
    manifest = json.loads((target_path / "manifest.json").read_text())
    results = []
    for r in run["results"]:
        if not r["unique_id"].startswith(("test.", "unit_test.")):
            continue  # the on-run-end hooks
        node = manifest["nodes"].get(r["unique_id"]) or manifest["unit_tests"].get(r["unique_id"], {})
        results.append(
            {
                "area": area_of(node.get("original_file_path", "tests")),
                "name": node.get("name", r["unique_id"]),
                "status": r["status"],
                "failures": r.get("failures"),
                "message": r.get("message"),
                "audit": (node.get("relation_name") or "") if r["status"] in ("fail", "warn") else "",
            }
        )
    return results


def expectation_results(target_path: Path) -> list[dict]:
    wh = warehouse.connect(read_only=True)
    try:
        with step("Great Expectations"):
            success, failures, index = check_expectations.run(target_path / "gx", wh)
    finally:
        wh.close()
    rows = [{"area": "great_expectations", "name": f, "status": "fail", "failures": None, "message": ""} for f in failures]
    return rows or [{"area": "great_expectations", "name": f"checkpoint (Data Docs: {index})", "status": "pass"}]


def value_counts() -> str:
    """What staging set aside: quarantined rows per source and reason, nulled values per column."""
    wh = warehouse.connect(read_only=True)
    try:
        quarantined = []
        for model in (
            "stg_tracking__events",
            "stg_crm__contacts",
            "stg_shop__transactions",
            "stg_privacy__requests",
            "stg_privacy__consents",
        ):
            quarantined += wh.rows(
                f"select source_table, quarantine_reason, count(*) from staging.{model}_quarantined group by 1, 2 order by 3 desc"
            )
        issues = wh.rows(
            "select source_table, column_name, issue_reason, count(*) from staging.stg_field_issues "
            "group by 1, 2, 3 order by 4 desc, 1, 2, 3"
        )
    finally:
        wh.close()
    lines = ["Quarantined rows (staging.stg_<source>__<entity>s_quarantined):"]
    lines += [f"  {source:26} {reason:32} {count:>10,}" for source, reason, count in quarantined] or ["  none"]
    lines.append("Values nulled in kept rows (staging.stg_field_issues):")
    lines += [f"  {source:26} {column + ': ' + reason:32} {count:>10,}" for source, column, reason, count in issues] or ["  none"]
    return "\n".join(lines)


def summarise(results: list[dict]) -> tuple[str, bool]:
    """The printed report, and whether anything failed."""
    by_area: dict[str, Counter] = {}
    for r in results:
        status = "fail" if r["status"] in BAD else r["status"]
        by_area.setdefault(r["area"], Counter())[status] += 1
    lines = [f"{'area':20} {'pass':>6} {'warn':>6} {'fail':>6}"]
    for area, counts in by_area.items():
        lines.append(f"{area:20} {counts['pass']:>6} {counts['warn']:>6} {counts['fail']:>6}")
    offenders = sorted(
        (r for r in results if r["status"] in BAD | {"warn"}),
        key=lambda r: (r["status"] == "warn", -(r.get("failures") or 0), r["name"]),
    )
    if offenders:
        lines.append("\nWorst offenders:")
    for r in offenders[:10]:
        where = f"  rows: select * from {r['audit']}" if r.get("audit") else ""
        count = f" ({r['failures']} failing rows)" if r.get("failures") else ""
        message = f": {r['message']}" if r.get("message") and not where else ""
        lines.append(f"  {r['status'].upper():5} {r['area']}: {r['name']}{count}{message}{where}")
    failed = any(r["status"] in BAD for r in results)
    lines.append(f"\nQuality: {'FAILED' if failed else 'passed'} ({len(results)} checks)")
    return "\n".join(lines), failed


def main(
    target_path: Annotated[Path, typer.Option(help="where dbt writes its results")] = PROJECT_DIR / "target" / "quality",
    no_freshness: Annotated[
        bool, typer.Option("--no-freshness", help="skip source freshness (historical data, e.g. the generated sample)")
    ] = False,
) -> None:
    target_path.mkdir(parents=True, exist_ok=True)
    results = [] if no_freshness else freshness_results(target_path)
    results += test_results(target_path) + expectation_results(target_path)
    report, failed = summarise(results)
    print(value_counts() + "\n\n" + report)
    if failed:
        raise typer.Exit(1)


if __name__ == "__main__":  # run as a file, python scripts/quality.py: the same command as in unified-segments
    typer.run(main)
