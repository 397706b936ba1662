"""Faults injected one at a time into a copy of a clean, built warehouse; each must be caught by
the guard that exists for it, with a message that says what is wrong. The clean build itself
passes every guard (the sample fixture builds with every test, and freshness passes below)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from conftest import CLI, PROJECT_DIR, dbt, query
from unified_segments import check_expectations
from unified_segments.warehouse import DuckDBWarehouse


@pytest.fixture
def warehouse(sample, tmp_path):
    """A private copy of the built sample warehouse, free to break."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    return db


def execute(db, *statements: str) -> None:
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def run_results(db) -> dict[str, dict]:
    run_results = json.loads((db.parent / "dbt_target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2]: r for r in run_results["results"]}


def failed(db) -> set[str]:
    return {name for name, r in run_results(db).items() if r["status"] in ("fail", "error")}


def test_stale_loaded_at_fails_source_freshness(warehouse):
    now = datetime.now(UTC).replace(tzinfo=None)
    execute(
        warehouse,
        *[
            f"update raw.{t} set loaded_at = '{now - timedelta(hours=1)}'"
            for t in ("events", "crm_contacts", "transactions", "privacy_requests")
        ],
    )
    assert dbt("source", "freshness", db=warehouse, check=False).returncode == 0

    execute(warehouse, f"update raw.events set loaded_at = '{now - timedelta(days=4)}'")
    result = dbt("source", "freshness", db=warehouse, check=False)
    assert result.returncode != 0
    assert "ERROR STALE freshness of tracking.events" in result.stdout


def test_duplicate_deliveries_past_staging_fail_uniqueness_and_conservation(warehouse):
    execute(
        warehouse,
        # three staged rows twice: stg_tracking__events is a view of the staged rows of the base
        "insert into staging.base_tracking__events select * from staging.base_tracking__events "
        "where row_disposition = 'staged' order by event_id limit 3",
    )
    result = dbt("test", "--select", "stg_tracking__events", "source:tracking.events", db=warehouse, check=False)
    assert result.returncode != 0
    assert failed(warehouse) == {"unique_stg_tracking__events_event_id", "rows_conserved_tracking_events"}
    [(unaccounted,)] = query(warehouse, "select unaccounted_rows from audit.rows_conserved_tracking_events")
    assert unaccounted == -3  # three rows more than the raw rows account for
    assert query(warehouse, "select count(*) from audit.unique_stg_tracking__events_event_id") == [(3,)]


def test_a_segment_below_its_minimum_fails_the_error_size_test(warehouse):
    # A rule change that empties an error-severity segment: VIPs now need a billion in revenue.
    result = dbt(
        "build",
        "--select",
        "dim_customer_segments+",
        "--exclude",
        "customer_rfm_clusters",
        db=warehouse,
        check=False,
        vars={"unified_segments_segment_params": {"vip_lifetime_value": {"min_net_revenue": 1_000_000_000}}},
    )
    assert result.returncode != 0
    assert "segments_above_minimum_size_error" in failed(warehouse)
    assert "segments_above_minimum_size_warn" not in failed(warehouse)
    rows = query(warehouse, "select segment_name, members, min_size from audit.segments_above_minimum_size_error")
    assert rows == [("vip_lifetime_value", 0, 10)]


def test_a_giant_identity_component_fails_max_group_size(warehouse):
    # Past merge protection: 500 identifiers glued into one component.
    execute(
        warehouse,
        """update identity.int_identity_components set component = -1
           where node in (select node from identity.int_identity_components order by node limit 500)""",
    )
    result = dbt("test", "--select", "int_identity_components", db=warehouse, check=False)
    assert result.returncode != 0
    assert failed(warehouse) == {"identity_components_within_max_size"}
    rows = query(warehouse, "select group_value, group_size, max_size from audit.identity_components_within_max_size")
    assert rows == [(-1, 500, 200)]


def test_half_the_last_days_events_missing_fails_the_volume_anomaly_test(warehouse):
    [(as_of,)] = query(warehouse, "select max(as_of_date) from marts.fct_segment_sizes")
    day = as_of - timedelta(days=1)
    day_events = f"""select event_id from staging.base_tracking__events
        where cast(occurred_at as date) = '{day}' and row_disposition = 'staged'"""
    execute(warehouse, f"delete from raw.events where event_id in ({day_events}) and hash(event_id) % 2 = 0")
    # As if they had never been delivered: staging is rebuilt from raw (it is incremental otherwise).
    args = ["--select", "+stg_tracking__events", "source:tracking.events", "--full-refresh"]
    result = dbt("build", *args, db=warehouse, check=False)
    assert result.returncode != 0
    assert failed(warehouse) == {"daily_event_volume_has_no_anomaly"}
    [(period, reason)] = query(warehouse, "select period, reason from audit.daily_event_volume_has_no_anomaly")
    assert period == day
    assert reason.startswith("daily count ") and " has z-score -" in reason


def gx_failures(db, tmp_path) -> tuple[bool, list[str]]:
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        success, failures, index = check_expectations.run(tmp_path / "gx", wh)
    finally:
        wh.close()
    assert index.is_file()  # Data Docs written either way
    return success, failures


def test_the_clean_build_passes_the_gx_checkpoint(sample, tmp_path):
    assert gx_failures(sample.db, tmp_path) == (True, [])


def test_an_unconsented_person_in_an_export_is_caught(warehouse, tmp_path):
    [(person,)] = query(
        warehouse,
        """select profiles.person_id from marts.dim_customer_profiles as profiles
           inner join customers.int_person_export_eligibility as eligibility
             on profiles.person_id = eligibility.person_id and eligibility.export_family = 'email_marketing'
           where not eligibility.is_consented and not profiles.has_marketing_opt_out and profiles.email is not null
           order by profiles.person_id limit 1""",
    )
    execute(
        warehouse,
        f"""insert into exports.audience_email_marketing by name
            select person_id, email, 'vip_lifetime_value' as segment_name, false as is_primary, 'v' as rule_version, as_of_date
            from marts.dim_customer_profiles where person_id = '{person}'""",
    )
    result = dbt("test", "--select", "audience_email_marketing", db=warehouse, check=False)
    assert result.returncode != 0
    assert failed(warehouse) == {"audience_email_marketing_only_exportable_people"}
    assert query(warehouse, "select orphan_value from audit.audience_email_marketing_only_exportable_people") == [(person,)]
    success, failures = gx_failures(warehouse, tmp_path)
    assert not success
    assert failures == ["audience_email_marketing: expect_column_values_to_be_in_set is_consented failed (1 rows): [False]"]


def test_an_erased_person_in_an_export_is_caught(warehouse, tmp_path):
    [(person,)] = query(warehouse, "select person_id from marts.dim_customer_profiles where is_erased order by person_id limit 1")
    execute(
        warehouse,
        f"""insert into exports.audience_ad_platforms
                (person_id, segment_name, google_email_sha256, meta_email_sha256, as_of_date)
            values ('{person}', 'at_risk', '{"a" * 64}', '{"a" * 64}', date '2026-11-01')""",
    )
    result = dbt("test", "--select", "audience_ad_platforms", db=warehouse, check=False)
    assert result.returncode != 0
    assert failed(warehouse) == {"audience_ad_platforms_only_exportable_people"}
    success, failures = gx_failures(warehouse, tmp_path)
    assert not success
    erased = "audience_ad_platforms: expect_column_values_to_be_in_set is_erased failed (1 rows)"
    assert any(f.startswith(erased) for f in failures), failures


def quality(db, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "quality", "--no-freshness", "--target-path", str(tmp_path / "quality")],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db),
            "UNIFIED_SEGMENTS_TARGET": "duckdb",
        },
        capture_output=True,
        text=True,
    )


def test_the_quality_command_summarises_per_area_and_fails_on_an_error(warehouse, tmp_path):
    clean = quality(warehouse, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Quality: passed" in clean.stdout
    areas = {line.split()[0] for line in clean.stdout.splitlines()[1:] if line and not line.startswith(("Quality", " "))}
    assert {"staging", "identity", "customers", "segments", "exports", "great_expectations"} <= areas
    # What staging set aside, counted: the nulled values listed add up to stg_field_issues.
    listed = clean.stdout.split("Values nulled in kept rows (staging.stg_field_issues):\n", 1)[1].split("\n\n", 1)[0]
    total = sum(int(line.split()[-1].replace(",", "")) for line in listed.splitlines())
    assert total == query(warehouse, "select count(*) from staging.stg_field_issues")[0][0] > 0

    execute(
        warehouse,
        "insert into exports.audience_bi_memberships by name select person_id, 'at_risk' as segment_name, false as is_primary, "
        "'treatment' as arm, 'v' as rule_version, date '2026-11-01' as as_of_date "
        "from marts.dim_customer_profiles where is_erased limit 1",
    )
    broken = quality(warehouse, tmp_path)
    assert broken.returncode == 1
    assert "FAIL  exports: audience_bi_memberships_only_exportable_people (1 failing rows)" in broken.stdout
    assert "great_expectations: audience_bi_memberships: expect_column_values_to_be_in_set is_erased failed" in broken.stdout
    assert "Quality: FAILED" in broken.stdout


def test_a_load_stamped_before_the_lookback_window_fails_conservation_until_a_full_refresh(warehouse):
    execute(
        warehouse,
        """insert into raw.events select * replace ('old-' || event_id as event_id, timestamp '2026-01-01' as loaded_at)
           from raw.events where event_id is not null order by event_id limit 1""",
    )
    selection = ["--select", "+stg_tracking__events", "stg_tracking__events_quarantined", "source:tracking.events"]
    assert dbt("build", *selection, db=warehouse, check=False).returncode != 0
    assert failed(warehouse) == {"rows_conserved_tracking_events"}
    assert query(warehouse, "select unaccounted_rows from audit.rows_conserved_tracking_events") == [(1,)]
    dbt("build", *selection, "--full-refresh", db=warehouse)
