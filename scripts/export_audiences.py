"""Write every audience to files a sync can pick up: one CSV and one Parquet file per destination
family and segment, a manifest, and the change set against the previous export.

    exports/
      runs/<as-of>_<generated-at>/             one immutable folder per export
        <destination>/<segment>.csv, .parquet  the audience, rows ordered by person_id
        changes/<destination>/<segment>.csv    person_id, change (added / removed) since the previous run
        manifest.json                          per file: segment, rows, sha256, as-of, rule version, changes
      latest -> runs/<...>                     the newest complete run

A run is written in a hidden temporary folder and renamed into runs/ only when every file and the
manifest are on disk, then `latest` is swapped with an atomic rename: a crash leaves at most a
temporary folder that no manifest refers to (the next run deletes it). The previous run is the one
`latest` points at; the first run adds everyone. The warehouse is opened read-only.

    python scripts/export_audiences.py [--out exports]
    python scripts/export_audiences.py --dry-run     # counts each destination would receive; writes nothing
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import warehouse
from load_raw import sha256

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Destination family -> (export relation, columns written to its files besides person_id).
DESTINATIONS = {
    "email_marketing": ("exports.audience_email_marketing", ["email", "first_name", "primary_segment", "is_primary"]),
    "ad_platforms": (
        "exports.audience_ad_platforms",
        ["google_email_sha256", "google_phone_sha256", "meta_email_sha256", "meta_phone_sha256"],
    ),
    "bi": ("exports.audience_bi_memberships", ["is_primary"]),
}


def write_synced(path: Path, write) -> None:
    """Create path with write(file), flushed to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def write_csv(path: Path, columns: list[str], rows: list[tuple]) -> None:
    def write(f):
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row] for row in rows)

    write_synced(path, write)


def write_parquet(path: Path, columns: list[str], rows: list[tuple]) -> None:
    types = {"is_primary": pa.bool_()}
    table = pa.table({c: pa.array([r[i] for r in rows], type=types.get(c, pa.string())) for i, c in enumerate(columns)})
    pq.write_table(table, path)
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def audiences(wh: warehouse.Warehouse) -> tuple[str, list[dict]]:
    """The as-of date, and per destination and enabled segment that lists it: rule version, columns, rows."""
    as_of = wh.rows("select cast(max(as_of_date) as varchar) from marts.dim_customer_segments")[0][0]
    if as_of is None:
        raise SystemExit("marts.dim_customer_segments is empty: run dbt build before exporting")
    catalogue = wh.rows(
        "select segment_name, rule_version, destinations from marts.segment_catalogue where is_enabled order by segment_name"
    )
    result = []
    for destination, (relation, extra) in DESTINATIONS.items():
        columns = ["person_id", *extra]
        for segment, rule_version, listed in catalogue:
            if destination not in listed.split(","):
                continue
            rows = wh.rows(
                f"select {', '.join(columns)} from {relation} where segment_name = {wh.param} order by person_id", [segment]
            )
            result.append(
                {"destination": destination, "segment": segment, "rule_version": rule_version, "columns": columns, "rows": rows}
            )
    return as_of, result


def previous_members(previous: Path | None, destination: str, segment: str) -> set[str]:
    if previous is None:
        return set()
    path = previous / destination / f"{segment}.parquet"
    if not path.is_file():
        return set()
    return set(pq.read_table(path, columns=["person_id"]).column("person_id").to_pylist())


def previous_run(out: Path) -> Path | None:
    """The run `latest` points at, the one change sets are taken against."""
    latest = out / "latest"
    return latest.resolve() if latest.is_symlink() else None


def planned(out: Path, wh: warehouse.Warehouse) -> tuple[str, Path | None, list[dict]]:
    """The as-of date, the previous run, and every audience with its members added and removed since it."""
    as_of, audience_list = audiences(wh)
    previous = previous_run(out)
    for audience in audience_list:
        current = {row[0] for row in audience["rows"]}
        before = previous_members(previous, audience["destination"], audience["segment"])
        audience["added"], audience["removed"] = current - before, before - current
    return as_of, previous, audience_list


def export(out: Path, wh: warehouse.Warehouse, now: datetime | None = None) -> Path:
    """Write one run under out/runs, point out/latest at it and return its folder."""
    now = now or datetime.now(UTC)
    as_of, previous, audience_list = planned(out, wh)
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for leftover in runs.glob(".tmp-*"):
        shutil.rmtree(leftover)  # a crashed run: never referenced by a manifest or by latest
    run_id = f"{as_of}_{now.strftime('%Y%m%dT%H%M%S%fZ')}"
    staging = runs / f".tmp-{run_id}"
    staging.mkdir()

    entries = []
    for audience in audience_list:
        destination, segment, columns, rows = audience["destination"], audience["segment"], audience["columns"], audience["rows"]
        csv_path = staging / destination / f"{segment}.csv"
        parquet_path = staging / destination / f"{segment}.parquet"
        write_csv(csv_path, columns, rows)
        write_parquet(parquet_path, columns, rows)
        changes = sorted([(p, "added") for p in audience["added"]] + [(p, "removed") for p in audience["removed"]])
        changes_path = staging / "changes" / destination / f"{segment}.csv"
        write_csv(changes_path, ["person_id", "change"], changes)
        entries.append(
            {
                "destination": destination,
                "segment": segment,
                "rule_version": audience["rule_version"],
                "rows": len(rows),
                "files": {
                    p.suffix[1:]: {"path": str(p.relative_to(staging)), "sha256": sha256(p)} for p in (csv_path, parquet_path)
                },
                "changes": {
                    "path": str(changes_path.relative_to(staging)),
                    "sha256": sha256(changes_path),
                    "added": len(audience["added"]),
                    "removed": len(audience["removed"]),
                },
            }
        )
    manifest = {
        "run_id": run_id,
        "as_of_date": as_of,
        "generated_at": now.isoformat(timespec="seconds"),
        "previous_run": previous.name if previous else None,
        "audiences": entries,
    }
    write_synced(staging / "manifest.json", lambda f: json.dump(manifest, f, indent=2))

    final = runs / run_id
    os.rename(staging, final)  # the run appears complete or not at all
    link = out / f".latest-{run_id}"
    link.symlink_to(Path("runs") / run_id)
    os.replace(link, out / "latest")  # readers of latest see the old run or the new one, never a mix
    return final


def dry_run(out: Path, wh: warehouse.Warehouse) -> tuple[Path | None, list[dict]]:
    """What each destination would receive, written nowhere: the previous run, and per audience its
    rows and the members added, removed and unchanged since it."""
    _, previous, audience_list = planned(out, wh)
    return previous, [
        {
            "destination": a["destination"],
            "segment": a["segment"],
            "rows": len(a["rows"]),
            "added": len(a["added"]),
            "removed": len(a["removed"]),
            "unchanged": len(a["rows"]) - len(a["added"]),
        }
        for a in audience_list
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "exports", help="output folder (default: exports/)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what each destination would receive against the previous run; write nothing"
    )
    args = parser.parse_args(argv)
    wh = warehouse.connect(read_only=True)
    try:
        if args.dry_run:
            previous, entries = dry_run(args.out, wh)
            for entry in entries:
                print(
                    f"{entry['destination']:16} {entry['segment']:30} {entry['rows']:>8} rows  +{entry['added']} "
                    f"-{entry['removed']} ={entry['unchanged']}"
                )
            print(f"Dry run: nothing written (against {previous.name if previous else 'no previous run'})")
            return 0
        run = export(args.out, wh)
    finally:
        wh.close()
    manifest = json.loads((run / "manifest.json").read_text())
    for entry in manifest["audiences"]:
        changes = entry["changes"]
        print(
            f"{entry['destination']:16} {entry['segment']:30} {entry['rows']:>8} rows  +{changes['added']} -{changes['removed']}"
        )
    print(f"Export: {run} (as of {manifest['as_of_date']}; previous run {manifest['previous_run']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
