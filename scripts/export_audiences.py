"""Write every audience to files a sync can pick up, in each destination's own import format
(destinations.yml): one CSV and one Parquet file per destination and segment, a manifest, and the
change set against the previous export.

    exports/
      runs/<as-of>_<generated-at>/             one folder per export, rewritten only to remove erased people
        <destination>/<segment>.csv, .parquet  the audience in the destination's columns, by person_id
        changes/<destination>/<segment>.csv    the destination's columns and change (added / removed /
                                               updated) since the previous run, compared on its key
        manifest.json                          per file: segment, rows, sha256, as-of, rule version, changes
      latest -> runs/<...>                     the newest complete run

A run is written in a hidden temporary folder and renamed into runs/ only when every file and the
manifest are on disk, then `latest` is swapped with an atomic rename: a crash leaves at most a
temporary folder that no manifest refers to (the next run deletes it). The previous run is the one
`latest` points at; an audience with no file of the same columns there is a full sync (everyone
added). A run that would remove more of an audience than destinations.yml's guard allows is refused
unless forced. Runs beyond destinations.yml's retention are deleted, oldest first, and every erased
person's rows are removed from every kept run (customers.int_erased_identifier_hashes), except the
removals in the newest run's change sets, which the next export removes. The warehouse is opened
read-only.

    unified-segments export [--out exports] [--force]
    unified-segments export --dry-run     # counts each destination would receive; writes nothing
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import typer
import yaml

from unified_segments import warehouse
from unified_segments.load_raw import sha256
from unified_segments.progress import track
from unified_segments.warehouse import PROJECT_DIR

DESTINATIONS_FILE = PROJECT_DIR / "destinations.yml"


def audience_relations() -> dict[str, str]:
    """Export family (the name segment catalogue entries list under destinations) -> its relation:
    the exports models whose meta names a family, as models/exports/_exports__models.yml declares
    them (the same list the dbt macros read)."""
    config = yaml.safe_load((PROJECT_DIR / "models" / "exports" / "_exports__models.yml").read_text())
    return {
        model["config"]["meta"]["export_family"]: f"exports.{model['name']}"
        for model in config["models"]
        if (model.get("config") or {}).get("meta", {}).get("export_family")
    }


AUDIENCES = audience_relations()
CHANGES = ("added", "removed", "updated")
ERASED = "customers.int_erased_identifier_hashes"  # what erased people's rows in files are found by


@dataclass(frozen=True)
class Destination:
    name: str
    audience: str
    columns: dict  # destination column -> relation column, or {"value": constant}
    key: list[str]
    list_name: str | None = None


@dataclass(frozen=True)
class Settings:
    max_removed_share: float  # the removal guard
    min_previous_rows: int
    runs_to_keep: int  # retention


def read_destinations(path: Path = DESTINATIONS_FILE) -> tuple[Settings, list[Destination]]:
    """The guard and retention settings and the enabled destinations of path; bad configuration
    stops here, named."""

    def fail(where: str, problem: str):
        raise SystemExit(f"{path}: {where}: {problem}")

    config = yaml.safe_load(path.read_text()) or {}
    for section, known in [
        (None, {"guard", "retention", "destinations"}),
        ("guard", {"max_removed_share", "min_previous_rows"}),
        ("retention", {"runs_to_keep"}),
    ]:
        settings = config if section is None else (config.get(section) or {})
        unknown = sorted(set(settings) - known) if isinstance(settings, dict) else ["(not a mapping)"]
        if unknown:
            fail(section or "top level", f"unknown setting {unknown[0]!r}")
    guard = config.get("guard") or {}
    share, minimum = guard.get("max_removed_share", 0.5), guard.get("min_previous_rows", 100)
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
        fail("guard.max_removed_share", f"{share!r} is not a share between 0 and 1")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
        fail("guard.min_previous_rows", f"{minimum!r} is not a count")
    keep = (config.get("retention") or {}).get("runs_to_keep", 30)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        fail("retention.runs_to_keep", f"{keep!r} is not a count of at least 1")
    destinations = []
    for name, entry in (config.get("destinations") or {}).items():
        where = f"destinations.{name}"
        if not isinstance(entry, dict):
            fail(where, "is not a mapping")
        unknown = set(entry) - {"audience", "columns", "key", "list_name", "enabled"}
        if unknown:
            fail(where, f"unknown setting {sorted(unknown)[0]!r}")
        if entry.get("audience") not in AUDIENCES:
            fail(f"{where}.audience", f"{entry.get('audience')!r} is not one of {', '.join(AUDIENCES)}")
        columns = entry.get("columns")
        if not isinstance(columns, dict) or not columns:
            fail(f"{where}.columns", "needs at least one column")
        for column, source in columns.items():
            if not (isinstance(source, str) or (isinstance(source, dict) and set(source) == {"value"})):
                fail(f"{where}.columns.{column}", f"{source!r} is neither a column name nor {{value: <constant>}}")
        key = entry.get("key")
        if not isinstance(key, list) or not key or not set(key) <= set(columns):
            fail(f"{where}.key", f"{key!r} is not a non-empty list of its columns")
        if entry.get("enabled", True):
            destinations.append(Destination(name, entry["audience"], columns, key, entry.get("list_name")))
    if not destinations:
        fail("destinations", "no enabled destination")
    return Settings(float(share), minimum, keep), destinations


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
    arrays = {}
    for i, column in enumerate(columns):
        values = [r[i] for r in rows]
        array = pa.array(values)
        arrays[column] = array if array.type != pa.null() else pa.array(values, type=pa.string())
    pq.write_table(pa.table(arrays), path)
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def read_parquet(path: Path, columns: list[str]) -> list[tuple] | None:
    """The rows of a file written by write_parquet, or None when it is missing or has other columns."""
    if not path.is_file():
        return None
    table = pq.read_table(path)
    if table.column_names != columns:
        return None
    return [tuple(r[c] for c in columns) for r in table.to_pylist()]


def audiences(wh: warehouse.Warehouse, destinations: list[Destination], config: Path) -> tuple[str, list[dict]]:
    """The as-of date, and per destination and enabled segment that lists its audience: rule version,
    the destination's columns and key, and its rows (one per key, the lowest person id kept)."""
    as_of = wh.rows("select cast(max(as_of_date) as varchar) from marts.dim_customer_segments")[0][0]
    if as_of is None:
        raise SystemExit("marts.dim_customer_segments is empty: run dbt build before exporting")
    catalogue = wh.rows(
        "select segment_name, rule_version, destinations from marts.segment_catalogue where is_enabled order by segment_name"
    )
    relation_columns = {family: wh.columns(relation) for family, relation in AUDIENCES.items()}
    for d in destinations:
        missing = [s for s in d.columns.values() if isinstance(s, str) and s not in relation_columns[d.audience]]
        if missing:
            raise SystemExit(f"{config}: destinations.{d.name}.columns: {AUDIENCES[d.audience]} has no column {missing[0]!r}")
    fetched = {}  # (family, segment) -> rows as dicts, fetched once for every destination reading them
    result = []
    for d in destinations:
        key = [list(d.columns).index(c) for c in d.key]
        for segment, rule_version, listed in catalogue:
            if d.audience not in listed.split(","):
                continue
            if (d.audience, segment) not in fetched:
                names = relation_columns[d.audience]
                fetched[d.audience, segment] = [
                    dict(zip(names, row, strict=True))
                    for row in wh.rows(
                        f"select {', '.join(names)} from {AUDIENCES[d.audience]}"
                        f" where segment_name = {wh.param} order by person_id",
                        [segment],
                    )
                ]
            rows, seen = [], set()
            for member in fetched[d.audience, segment]:
                row = tuple(member[s] if isinstance(s, str) else s["value"] for s in d.columns.values())
                identity = tuple(row[i] for i in key)
                if identity not in seen:
                    seen.add(identity)
                    rows.append(row)
            result.append(
                {
                    "destination": d.name,
                    "segment": segment,
                    "rule_version": rule_version,
                    "list_name": d.list_name.format(segment=segment) if d.list_name else None,
                    "columns": list(d.columns),
                    "key": key,
                    "rows": rows,
                    "duplicate_keys": len(fetched[d.audience, segment]) - len(rows),
                }
            )
    return as_of, result


def changes(before: list[tuple] | None, now: list[tuple], key: list[int]) -> dict[str, list[tuple]]:
    """Rows added, removed (with their previous values) and updated, compared on the key columns."""
    old = {tuple(r[i] for i in key): r for r in before or []}
    new = {tuple(r[i] for i in key): r for r in now}
    return {
        "added": [new[k] for k in new.keys() - old.keys()],
        "removed": [old[k] for k in old.keys() - new.keys()],
        "updated": [new[k] for k in new.keys() & old.keys() if new[k] != old[k]],
    }


def previous_run(out: Path) -> Path | None:
    """The run `latest` points at, the one change sets are taken against."""
    latest = out / "latest"
    return latest.resolve() if latest.is_symlink() else None


def planned(
    out: Path, wh: warehouse.Warehouse, config: Path = DESTINATIONS_FILE
) -> tuple[str, Path | None, list[dict], Settings, list[Destination]]:
    """The as-of date, the previous run, every audience with its changes since it (and whether it
    is a full sync and trips the guard), the settings and the destinations."""
    settings, destinations = read_destinations(config)
    as_of, audience_list = audiences(wh, destinations, config)
    previous = previous_run(out)
    for a in audience_list:
        before = read_parquet(previous / a["destination"] / f"{a['segment']}.parquet", a["columns"]) if previous else None
        a["full_sync"] = before is None
        a["changes"] = changes(before, a["rows"], a["key"])
        a["previous_rows"] = len(before or [])
        a["guard_tripped"] = (
            a["previous_rows"] >= max(settings.min_previous_rows, 1)
            and len(a["changes"]["removed"]) > settings.max_removed_share * a["previous_rows"]
        )
    return as_of, previous, audience_list, settings, destinations


def sort_key(row: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in row)


def export(
    out: Path, wh: warehouse.Warehouse, now: datetime | None = None, force: bool = False, config: Path = DESTINATIONS_FILE
) -> Path:
    """Write one run under out/runs, point out/latest at it and return its folder."""
    now = now or datetime.now(UTC)
    as_of, previous, audience_list, settings, destinations = planned(out, wh, config)
    tripped = [a for a in audience_list if a["guard_tripped"]]
    if tripped and not force:
        listed = "; ".join(
            f"{a['destination']}/{a['segment']} {len(a['changes']['removed'])} of {a['previous_rows']}" for a in tripped
        )
        raise SystemExit(
            f"Export refused: it would remove more than {settings.max_removed_share:.0%} of an audience ({listed}). "
            "Check the load and the build; --force writes it anyway (guard in destinations.yml)."
        )
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for leftover in runs.glob(".tmp-*"):
        shutil.rmtree(leftover)  # a crashed run: never referenced by a manifest or by latest
    # After planning, so the new change sets still remove the newly erased from the destinations.
    scrubbed = scrub_erased(runs, wh, destinations, now)
    expired = [run for run in published_runs(runs)[settings.runs_to_keep - 1 :] if run.resolve() != previous]
    run_id = f"{as_of}_{now.strftime('%Y%m%dT%H%M%S%fZ')}"
    staging = runs / f".tmp-{run_id}"
    staging.mkdir()

    entries = []
    for a in track(audience_list, len(audience_list), "exporting (audiences)"):
        destination, segment, columns, rows = a["destination"], a["segment"], a["columns"], a["rows"]
        csv_path = staging / destination / f"{segment}.csv"
        parquet_path = staging / destination / f"{segment}.parquet"
        write_csv(csv_path, columns, rows)
        write_parquet(parquet_path, columns, rows)
        change_rows = [(*row, change) for change in CHANGES for row in sorted(a["changes"][change], key=sort_key)]
        changes_path = staging / "changes" / destination / f"{segment}.csv"
        write_csv(changes_path, [*columns, "change"], change_rows)
        entries.append(
            {
                "destination": destination,
                "segment": segment,
                "list_name": a["list_name"],
                "rule_version": a["rule_version"],
                "rows": len(rows),
                "duplicate_keys": a["duplicate_keys"],
                "files": {
                    p.suffix[1:]: {"path": str(p.relative_to(staging)), "sha256": sha256(p)} for p in (csv_path, parquet_path)
                },
                "changes": {
                    "path": str(changes_path.relative_to(staging)),
                    "sha256": sha256(changes_path),
                    "full_sync": a["full_sync"],
                    **{change: len(a["changes"][change]) for change in CHANGES},
                },
            }
        )
    manifest = {
        "run_id": run_id,
        "as_of_date": as_of,
        "generated_at": now.isoformat(timespec="seconds"),
        "previous_run": previous.name if previous else None,
        "forced_past_guard": [f"{a['destination']}/{a['segment']}" for a in tripped],
        # Its change sets may still carry the newly erased (as removals); the next export scrubs them.
        "erasure_checked": None,
        "erased_rows_removed_from": scrubbed,
        "deleted_runs": [run.name for run in expired],
        "audiences": entries,
    }
    write_synced(staging / "manifest.json", lambda f: json.dump(manifest, f, indent=2))

    final = runs / run_id
    os.rename(staging, final)  # the run appears complete or not at all
    link = out / f".latest-{run_id}"
    link.symlink_to(Path("runs") / run_id)
    os.replace(link, out / "latest")  # readers of latest see the old run or the new one, never a mix
    for run in expired:
        shutil.rmtree(run)
    return final


def published_runs(runs: Path) -> list[Path]:
    """Every complete run folder, newest first (by the time in its name, <as-of>_<generated-at>)."""
    return sorted(
        (run for run in runs.iterdir() if not run.name.startswith(".") and (run / "manifest.json").is_file()),
        key=lambda run: run.name.split("_", 1)[1],
        reverse=True,
    )


def identifying_columns(columns: list[str], destination: Destination | None) -> list[tuple[int, str]]:
    """The columns of a file an erased person's row is found by, and how: "id" (a person id),
    "clear" (a clear email or phone: its SHA-256 is looked up) or "hash". A file whose columns the
    destination no longer has (its entry changed since) is searched in every column every way."""
    if destination is None or list(destination.columns) != columns:
        return [(i, how) for i in range(len(columns)) for how in ("id", "clear", "hash")]
    how = {"person_id": "id", "email": "clear", "phone": "clear"}
    how |= {f"{p}_{f}_sha256": "hash" for p in ("google", "meta") for f in ("email", "phone")}
    return [(i, how[s]) for i, s in enumerate(destination.columns.values()) if isinstance(s, str) and s in how]


def without_erased(rows: list[tuple], checks: list[tuple[int, str]], people: set[str], hashes: set[str]) -> list[tuple]:
    def erased(row: tuple) -> bool:
        for i, how in checks:
            value = row[i]
            if not isinstance(value, str) or not value:
                continue
            if (how == "id" and value in people) or (how == "hash" and value in hashes):
                return True
            if how == "clear" and hashlib.sha256(value.encode()).hexdigest() in hashes:
                return True
        return False

    return [row for row in rows if not erased(row)]


def scrub_erased(runs: Path, wh: warehouse.Warehouse, destinations: list[Destination], now: datetime) -> dict[str, int]:
    """Remove every erased person's rows (found through ERASED) from every file of every published
    run, rewriting each file and then its manifest (new checksums and counts, and the erasure
    recorded). A run already checked against the same erased people is skipped. Returns the rows
    removed per run."""
    if not wh.columns(ERASED):
        raise SystemExit(f"{ERASED} does not exist: build it (dbt build --select +{ERASED.split('.')[1]}) before exporting")
    erased = wh.rows(f"select person_id, identifier_sha256 from {ERASED}")
    people, hashes = {p for p, _ in erased}, {h for _, h in erased}
    if not people:
        return {}
    digest = hashlib.sha256("\n".join(sorted(people)).encode()).hexdigest()
    by_name = {d.name: d for d in destinations}
    removed = {}
    for run in published_runs(runs):
        manifest = json.loads((run / "manifest.json").read_text())
        if manifest.get("erasure_checked") == digest:
            continue
        count = 0
        for entry in manifest["audiences"]:
            destination = by_name.get(entry["destination"])
            parquet, csv_path = run / entry["files"]["parquet"]["path"], run / entry["files"]["csv"]["path"]
            table = pq.read_table(parquet)
            rows = [tuple(r.values()) for r in table.to_pylist()]
            kept = without_erased(rows, identifying_columns(table.column_names, destination), people, hashes)
            if len(kept) < len(rows):
                count += len(rows) - len(kept)
                replace_atomically(parquet, lambda p, kept=kept, columns=table.column_names: write_parquet(p, columns, kept))
                replace_atomically(csv_path, lambda p, kept=kept, columns=table.column_names: write_csv(p, columns, kept))
                entry["rows"] = len(kept)
                for kind, path in (("parquet", parquet), ("csv", csv_path)):
                    entry["files"][kind]["sha256"] = sha256(path)
            changes_path = run / entry["changes"]["path"]
            with changes_path.open() as f:
                header, *change_rows = list(csv.reader(f))
            kept = without_erased(change_rows, identifying_columns(header[:-1], destination), people, hashes)
            if len(kept) < len(change_rows):
                count += len(change_rows) - len(kept)
                replace_atomically(changes_path, lambda p, kept=kept, header=header: write_csv(p, header, kept))
                entry["changes"]["sha256"] = sha256(changes_path)
                entry["changes"] |= {c: sum(1 for r in kept if r[-1] == c) for c in CHANGES}
        manifest["erasure_checked"] = digest
        if count:
            manifest.setdefault("erasures", []).append({"at": now.isoformat(timespec="seconds"), "rows_removed": count})
            removed[run.name] = count
        replace_atomically(
            run / "manifest.json", lambda p, manifest=manifest: write_synced(p, lambda f: json.dump(manifest, f, indent=2))
        )
    return removed


def replace_atomically(path: Path, write) -> None:
    """Write path through a temporary file renamed over it: readers see the old file or the new one."""
    temporary = path.with_name(f".{path.name}.tmp")
    write(temporary)
    os.replace(temporary, path)


def dry_run(out: Path, wh: warehouse.Warehouse, config: Path = DESTINATIONS_FILE) -> tuple[Path | None, list[dict]]:
    """What each destination would receive, written nowhere: the previous run, and per audience its
    rows, the rows added, removed, updated and unchanged since it, and whether the guard would refuse it."""
    _, previous, audience_list, *_ = planned(out, wh, config)
    return previous, [
        {
            "destination": a["destination"],
            "segment": a["segment"],
            "rows": len(a["rows"]),
            **{change: len(a["changes"][change]) for change in CHANGES},
            "unchanged": len(a["rows"]) - len(a["changes"]["added"]) - len(a["changes"]["updated"]),
            "full_sync": a["full_sync"],
            "guard_tripped": a["guard_tripped"],
        }
        for a in audience_list
    ]


def summary(e: dict) -> str:
    """One line per audience: rows, then added, removed and updated since the previous run."""
    line = f"{e['destination']:22} {e['segment']:30} {e['rows']:>8} rows  +{e['added']} -{e['removed']} ~{e['updated']}"
    return line + (" full sync" if e["full_sync"] else "") + (" REFUSED by the removal guard" if e.get("guard_tripped") else "")


def main(
    out: Annotated[Path, typer.Option(help="output folder")] = PROJECT_DIR / "exports",
    dry: Annotated[
        bool, typer.Option("--dry-run", help="print what each destination would receive against the previous run; write nothing")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="write the run even when it trips the removal guard")] = False,
) -> None:
    wh = warehouse.connect(read_only=True)
    try:
        if dry:
            previous, entries = dry_run(out, wh)
            print("\n".join(summary(e) for e in entries))
            print(f"Dry run: nothing written (against {previous.name if previous else 'no previous run'})")
            return
        run = export(out, wh, force=force)
    finally:
        wh.close()
    manifest = json.loads((run / "manifest.json").read_text())
    print("\n".join(summary({**e, **e["changes"]}) for e in manifest["audiences"]))
    print(f"Export: {run} (as of {manifest['as_of_date']}; previous run {manifest['previous_run']})")


if __name__ == "__main__":  # run as a file, python scripts/export_audiences.py: the same command as in unified-segments
    typer.run(main)
