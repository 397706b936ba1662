"""Shared fixtures: throw-away DuckDB warehouses built from generated or hand-written raw data.

dbt runs in a subprocess per call (about 3 s of fixed cost), so fixtures build a warehouse once
per session (once per worker: pytest.ini runs one per core) and tests read it with the duckdb
client, read-only.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import pg_cluster
from unified_segments import export_audiences, generate_data, load_raw
from unified_segments.warehouse import DuckDBWarehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
CLI = [sys.executable, "-m", "unified_segments"]  # the unified-segments command, as this Python runs it
SAMPLE_PEOPLE = 3000
SAMPLE_SEED = 7
# Hand-written and historical data is not a live population: the guards on the data's health (tag
# data_health: recency, volume, quarantine share, segment minimum sizes) would judge the fixture,
# not the code, so builds on it leave them out.
NOT_A_LIVE_FEED = ("--exclude", "tag:data_health")

# Per model: its key first, and the columns every engine must agree on (test_postgres, test_spark).
ENGINE_COMPARED = {
    "marts.dim_customer_segments": "person_id, purchase_frequency_tier, engagement_tier, recency_tier, value_tier, "
    "recency_score, frequency_score, monetary_score, rfm_segment, segment_count, primary_segment",
    "marts.fct_segment_memberships": "person_id, segment_name, rule_version, is_primary, arm",
    "exports.audience_ad_platforms": "person_id, segment_name, google_email_sha256, google_phone_sha256, meta_email_sha256, "
    "meta_phone_sha256, google_first_name_sha256, google_last_name_sha256, google_country, google_postal_code, "
    "meta_first_name_sha256, meta_last_name_sha256, meta_zip_sha256, meta_country_sha256",
    "exports.audience_email_marketing": "person_id, segment_name, email, first_name, last_name, phone, country, primary_segment",
    "identity.int_identifiers_resolved": "identifier_key, person_id, resolution, component_size",
    "identity.int_match_records": "record_id, first_name_soundex, last_name_soundex, last_name_frequency, city_frequency",
    "identity.int_match_weights": "comparison, level, m_probability, u_probability, estimated_from",
    "identity.int_match_pairs_scored": "record_id_a, record_id_b, blocking_rules, first_name_level, last_name_level, "
    "birth_date_level, postal_code_level, address_line_level, city_level, names_swapped, last_name_tf_adjustment, "
    "match_weight, match_probability, is_match",
    "identity.int_match_pairs_explained": "record_id_a, record_id_b, evidence",
    "marts.dim_customer_profiles": "person_id, email, phone, country, is_email_opted_in, is_erased, has_marketing_opt_out, "
    "identifier_count, sessions_30d, product_views_30d, abandoned_cart_sessions_30d, time_on_site_minutes_30d, "
    "luxury_view_share_30d, orders, net_revenue, average_order_value, purchases_per_month, days_since_last_purchase, "
    "first_seen_at, signed_up_at",
    "stg_tracking__events": "event_id, event_type, occurred_at, anonymous_id, user_id, email, price, quantity",
    "stg_crm__contacts": "contact_id, email, phone, country, is_email_opted_in, birth_date, updated_at",
    "stg_shop__transactions": "transaction_id, customer_id, email, phone, status, amount, item_count, ordered_at",
    "stg_privacy__requests": "request_id, identifier_type, identifier_value, request_type, requested_at",
    "stg_privacy__consents": "record_key, identifier_type, identifier_value, purpose, status, recorded_at",
    "customers.int_person_export_eligibility": "person_id, export_family, purpose, consent_basis, is_consented, "
    "exclusion_reason, is_exportable",
}


# The slowest modules, slowest first (see --durations): the workers start them first, so none is
# left running one alone at the end; the other modules follow in file order.
SLOWEST_MODULES = ("test_first_run.py", "test_spark.py", "test_incremental.py", "test_matching.py", "test_identity.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_MODULES.index(name) if name in SLOWEST_MODULES else len(SLOWEST_MODULES)

    items.sort(key=rank)


def dbt(
    *args: str,
    db: Path,
    check: bool = True,
    vars: dict | None = None,
    env: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    executable: str = DBT,
) -> subprocess.CompletedProcess:
    """Run dbt against the DuckDB file db, or against the target that env names (db's folder then
    only holds dbt's output); with check, fail the test with dbt's output on error."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project_dir),
        "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db),
        "UNIFIED_SEGMENTS_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    db.parent.mkdir(parents=True, exist_ok=True)
    command = [executable, *args, "--target-path", str(db.parent / "dbt_target"), "--log-path", str(db.parent / "dbt_logs")]
    if vars:
        command += ["--vars", json.dumps(vars)]
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


def load(source_dir: Path, db: Path, stamp: datetime | None = None, replace: bool = False) -> dict:
    wh = DuckDBWarehouse(db)
    try:
        return load_raw.load(source_dir, wh, stamp=stamp, replace=replace)
    finally:
        wh.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """One raw file; None becomes an empty field, which the loader lands as NULL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def change_set_applied(previous_run: Path, run: Path, entry: dict) -> tuple[list[dict], list[dict]]:
    """What a destination holds after a sync applies the change set of one manifest entry of run to
    the previous run's file (by the destination's key, as the README tells syncs to), and the new
    file; both sorted."""
    key = next(d.key for d in export_audiences.read_destinations()[1] if d.name == entry["destination"])
    previous = previous_run / entry["destination"] / f"{entry['segment']}.csv"
    held = {tuple(r[c] for c in key): r for r in (read_csv(previous) if previous.is_file() else [])}
    for row in read_csv(run / entry["changes"]["path"]):
        change = row.pop("change")
        if change == "removed":
            del held[tuple(row[c] for c in key)]
        else:
            held[tuple(row[c] for c in key)] = row
    now = read_csv(run / entry["files"]["csv"]["path"])
    return sorted(held.values(), key=lambda r: list(r.values())), sorted(now, key=lambda r: list(r.values()))


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL 15 server; yields the env vars for the profile's postgres target."""
    if not pg_cluster.available():
        message = f"PostgreSQL 15 server binaries not found in {pg_cluster.PG_BIN} (Debian package postgresql-15)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with pg_cluster.cluster() as env:
        yield env


@dataclass
class Built:
    db: Path
    data_dir: Path
    metadata: dict


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    """Generated data at a small scale, loaded and built with every dbt test."""
    root = tmp_path_factory.mktemp("sample")
    metadata = generate_data.generate(
        root / "data", SAMPLE_PEOPLE, SAMPLE_SEED, generate_data.date(2026, 11, 1), 0.01, progress=False, workers=1
    )
    db = root / "warehouse.duckdb"
    load(root / "data" / "raw", db)
    dbt("build", db=db)
    return Built(db, root / "data", metadata)


def copy_project(dest: Path) -> Path:
    """The project's dbt files in a scratch folder, to change its configuration or seeds without touching ours."""
    outputs = {".venv", ".venv-spark", ".git", "target", "logs", "data", "exports"}  # top-level only: models/exports is code
    anywhere = shutil.ignore_patterns("*.duckdb", "*.duckdb.wal", "__pycache__", ".*_cache")

    def ignore(directory: str, names: list[str]) -> set[str]:
        top = outputs.intersection(names) if Path(directory) == PROJECT_DIR else set()
        return top | anywhere(directory, names)

    shutil.copytree(PROJECT_DIR, dest, ignore=ignore)
    return dest


@pytest.fixture
def project_copy(tmp_path):
    return copy_project(tmp_path / "project")
