"""Source freshness both ways, and configuration mistakes that must stop a build at once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import yaml

from conftest import PROJECT_DIR, dbt, load, write_csv
from unified_segments.load_raw import RAW_CONTRACT
from unified_segments.warehouse import DuckDBWarehouse


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    for table, (columns, required) in RAW_CONTRACT.items():
        row = dict.fromkeys(required, "x")
        write_csv(root / "raw" / f"{table}.csv", columns, [row])
    db = root / "warehouse.duckdb"
    load(root / "raw", db, stamp=datetime.now(UTC).replace(tzinfo=None))
    return db


def set_loaded_at(db, hours_ago: float) -> None:
    stamp = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=hours_ago)
    con = duckdb.connect(str(db))
    for table in RAW_CONTRACT:
        con.execute(f"update raw.{table} set loaded_at = ?", [stamp])
    con.close()


def freshness(db):
    """Run dbt source freshness; returns its exit code and each source table's status."""
    result = dbt("source", "freshness", db=db, check=False)
    report = json.loads((db.parent / "dbt_target" / "sources.json").read_text())
    return result, {r["unique_id"].split(".", 2)[2]: r["status"] for r in report["results"]}


def test_freshness_passes_on_fresh_data_warns_then_fails_as_it_ages(fresh_db):
    tables = {"tracking.events", "crm.crm_contacts", "shop.transactions", "privacy.privacy_requests"}
    set_loaded_at(fresh_db, 1)
    fresh, statuses = freshness(fresh_db)
    assert fresh.returncode == 0, fresh.stdout
    assert statuses == dict.fromkeys(tables, "pass")

    set_loaded_at(fresh_db, 30)  # past the 24 h warning, inside the 72 h error window
    ageing, statuses = freshness(fresh_db)
    assert ageing.returncode == 0, ageing.stdout
    assert statuses == dict.fromkeys(tables, "warn")

    set_loaded_at(fresh_db, 100)
    stale, statuses = freshness(fresh_db)
    assert stale.returncode != 0
    assert statuses == dict.fromkeys(tables, "error")
    assert "ERROR STALE" in stale.stdout


def test_an_unknown_default_phone_country_fails_at_compile_time_naming_the_var(fresh_db):
    result = dbt(
        "compile", "-s", "stg_shop__transactions", db=fresh_db, check=False, vars={"unified_segments_default_phone_country": "XX"}
    )
    assert result.returncode != 0
    assert "unified_segments_default_phone_country is 'XX'" in result.stdout
    assert "macros/staging/normalize_phone.sql" in result.stdout


def test_an_unset_var_fails_naming_the_var_and_the_model(fresh_db):
    # dbt's var() would render a null as 'None' and compile; a threshold must never vanish quietly.
    result = dbt(
        "compile", "-s", "base_tracking__events", db=fresh_db, check=False, vars={"unified_segments_max_clock_skew_minutes": None}
    )
    assert result.returncode != 0
    assert "var 'unified_segments_max_clock_skew_minutes' is not set" in result.stdout
    # It stops at parse time, in the first model that reads the var.
    assert re.search(r"used by models/staging/\w+/base_\w+\.sql", result.stdout)


def test_a_malformed_tier_var_fails_at_compile_time_naming_the_model(fresh_db):
    result = dbt(
        "compile",
        "-s",
        "int_customers_tiered",
        db=fresh_db,
        check=False,
        vars={"unified_segments_value_tiers": {"thresholds": [">=100", ">=1000"], "labels": ["low", "high"]}},
    )
    assert result.returncode != 0
    assert (
        "threshold_bucket(net_revenue) in models/intermediate/segments/int_customers_tiered.sql: 2 labels for 2 thresholds"
    ) in result.stdout
    descending = dbt(
        "compile",
        "-s",
        "int_customers_tiered",
        db=fresh_db,
        check=False,
        vars={"unified_segments_value_tiers": {"thresholds": [">=1000", ">=100"], "labels": ["a", "b", "c"]}},
    )
    assert descending.returncode != 0
    assert "thresholds must ascend ('>=1000' then '>=100')" in descending.stdout


def test_a_tier_threshold_that_is_no_bound_fails_naming_it(fresh_db):
    result = dbt(
        "compile",
        "-s",
        "int_customers_tiered",
        db=fresh_db,
        check=False,
        vars={"unified_segments_value_tiers": {"thresholds": ["100", ">=1000"], "labels": ["a", "b", "c"]}},
    )
    assert result.returncode != 0
    assert "threshold '100' is not '>=<number>' or '><number>'" in result.stdout


DUCKDB_SETTINGS = (
    "select current_setting('memory_limit') as memory_limit, current_setting('threads') as threads, "
    "current_setting('temp_directory') as temp_directory"
)


def shown_settings(db, env: dict) -> dict:
    """The DuckDB settings dbt's connection has under env, and those of a script's connection."""
    shown = dbt("show", "--inline", DUCKDB_SETTINGS, "--output", "json", db=db, env=env).stdout
    by_dbt = json.loads(shown[shown.index('{\n  "show"') :])["show"][0]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        script = DuckDBWarehouse(db.with_name("script.duckdb"))
        by_script = dict(zip(by_dbt, script.rows(DUCKDB_SETTINGS)[0], strict=True))
        script.close()
    return by_dbt, by_script


def test_duckdb_memory_threads_and_spill_directory_come_from_the_environment(tmp_path):
    """Bounded by default (3GB, not DuckDB's 80% of RAM); the environment sets limit, threads and
    spill directory, for dbt and for the scripts alike."""
    db = tmp_path / "warehouse.duckdb"
    defaults = {"UNIFIED_SEGMENTS_DUCKDB_MEMORY_LIMIT": "3GB"}
    by_dbt, by_script = shown_settings(db, defaults)
    assert by_dbt["memory_limit"] == by_script["memory_limit"] == "2.7 GiB"
    spill = tmp_path / "spill"
    env = {
        "UNIFIED_SEGMENTS_DUCKDB_MEMORY_LIMIT": "512MB",
        "UNIFIED_SEGMENTS_DUCKDB_THREADS": "1",
        "UNIFIED_SEGMENTS_DUCKDB_TEMP_DIRECTORY": str(spill),
    }
    for settings in shown_settings(db, env):
        assert settings == {"memory_limit": "488.2 MiB", "threads": 1, "temp_directory": str(spill)}


@pytest.mark.parametrize(
    ("name", "value"), [("UNIFIED_SEGMENTS_DUCKDB_MEMORY_LIMIT", "lots"), ("UNIFIED_SEGMENTS_DUCKDB_THREADS", "0")]
)
def test_a_malformed_duckdb_setting_stops_dbt_naming_the_variable(tmp_path, name, value):
    result = dbt("show", "--inline", "select 1", db=tmp_path / "warehouse.duckdb", env={name: value}, check=False)
    assert result.returncode != 0
    assert f"{name} must be" in result.stdout and f'not "{value}"' in result.stdout


PURPOSES = {"email_marketing": ["email_marketing"], "ad_targeting": ["ad_targeting"]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "unified_segments_export_purposes": {
                    "email_marketing": "email_marketing",
                    "ad_platforms": "marketing",
                    "bi": "email_marketing",
                }
            },
            "var unified_segments_export_purposes: ad_platforms needs one of the purposes of var "
            "unified_segments_consent_purposes (ad_targeting, analytics, email_marketing), not marketing",
        ),
        (
            {"unified_segments_export_purposes": {"email_marketing": "email_marketing", "sms": "email_marketing"}},
            "var unified_segments_export_purposes: sms is no export family (ad_platforms, bi, email_marketing)",
        ),
        (
            {"unified_segments_consent_purposes": {**PURPOSES, "analytics": ["Ad Targeting"]}},
            "var unified_segments_consent_purposes: the name Ad Targeting is listed under both ad_targeting and analytics",
        ),
        (
            {"unified_segments_consent_purposes": {**PURPOSES, "analytics": "statistics"}},
            "var unified_segments_consent_purposes: purpose analytics needs a list of names, not statistics",
        ),
    ],
    ids=["unknown purpose", "unknown family", "name under two purposes", "names not a list"],
)
def test_a_bad_consent_var_fails_at_compile_time_naming_it(fresh_db, overrides, message):
    selected = ("-s", "base_privacy__consents", "int_person_export_eligibility")
    result = dbt("compile", *selected, db=fresh_db, check=False, vars=overrides)
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split())


def test_every_var_the_project_reads_is_declared_with_its_default():
    declared = set(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    read = {
        name
        for folder in ("models", "macros", "tests/generic", "analyses")
        for path in (PROJECT_DIR / folder).rglob("*")
        if path.suffix in (".sql", ".yml")
        for name in re.findall(r"""var\(\s*['"](unified_segments_\w+)['"]""", path.read_text())
    }
    assert len(read) > 30
    assert read - declared == set()
