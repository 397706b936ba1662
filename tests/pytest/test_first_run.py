"""A user's first run: any subset of the four feeds, each absent or empty, builds green with a plain
`dbt build` (no tag excluded) and gives profiles, and segments where their inputs exist; the
health guards judge only the feeds a deployment expects, and say when they skip one."""

from __future__ import annotations

import shutil

import pytest
import yaml

import load_raw
from conftest import PROJECT_DIR, dbt, load, query
from warehouse import DuckDBWarehouse

SUBSETS = {
    "events only": ("events",),
    "crm only": ("crm_contacts",),
    "transactions only": ("transactions",),
    "crm and transactions": ("crm_contacts", "transactions"),
    "every table empty": (),
}


def segment_requirements() -> dict[str, set[str]]:
    catalogue = yaml.safe_load((PROJECT_DIR / "models/marts/segments/_segment_catalogue.yml").read_text())
    return {s["name"]: set(s["requires"]) for s in catalogue["models"][0]["config"]["meta"]["segments"]}


@pytest.fixture(scope="module")
def subset_builds(sample, tmp_path_factory):
    """Per subset: a warehouse holding only those feeds of the generated sample, built plainly."""
    builds = {}
    for name, feeds in SUBSETS.items():
        root = tmp_path_factory.mktemp(name.replace(" ", "_"))
        for feed in feeds:
            shutil.copytree(sample.data_dir / "raw" / feed, root / "raw" / feed)
        db = root / "warehouse.duckdb"
        if feeds:
            load(root / "raw", db)
        else:
            wh = DuckDBWarehouse(db)
            load_raw.create_raw_tables(wh)  # the loader's empty landing tables
            wh.close()
        builds[name] = (db, dbt("build", db=db))
    return builds


@pytest.mark.parametrize("name", SUBSETS)
def test_any_subset_of_feeds_builds_green_with_profiles_and_segments(subset_builds, name):
    db, result = subset_builds[name]
    feeds = set(SUBSETS[name])
    profiles = query(db, "select count(*) from marts.dim_customer_profiles")[0][0]
    assert (profiles > 100) == bool(feeds - {"privacy_requests"}), profiles
    assert query(db, "select count(*) from marts.dim_customer_segments") == [(profiles,)]
    members = dict(query(db, "select segment_name, count(*) from marts.fct_segment_memberships group by 1"))
    possible = {segment for segment, needs in segment_requirements().items() if needs <= feeds}
    assert set(members) <= possible, f"segments without their inputs have members: {set(members) - possible}"
    if possible:
        assert members, f"no segment has members, though {sorted(possible)} have their inputs"
    for feed in {"events", "transactions"} - feeds:  # the guards on an absent feed say they skipped
        assert f"skipped, feed {feed} has no rows" in result.stdout


def test_a_build_without_any_raw_table_is_green(tmp_path):
    """Another tool landed nothing yet. dbt's unit tests on a source read the real table's columns,
    so they are left out here, as dbt advises for production runs."""
    db = tmp_path / "warehouse.duckdb"
    dbt("build", "--exclude-resource-type", "unit_test", db=db)
    assert query(db, "select count(*) from marts.dim_customer_profiles") == [(0,)]


def test_an_expected_feed_that_is_empty_fails_naming_the_feed(subset_builds):
    db, _ = subset_builds["crm only"]
    expected = {"unified_segments_expected_feeds": ["crm_contacts", "events"]}
    result = dbt("test", "--select", "events_are_recent", "transactions_are_recent", db=db, vars=expected, check=False)
    assert result.returncode != 0
    assert "FAIL 1 events_are_recent" in result.stdout
    assert "PASS transactions_are_recent" in result.stdout
    assert "skipped, feed transactions is not in var unified_segments_expected_feeds" in result.stdout
    [(problem,)] = query(db, "select problem from audit.events_are_recent")
    assert problem == '"warehouse"."staging"."stg_tracking__events" has no rows up to the as-of date (feed events is expected)'


def test_a_misspelt_expected_feed_fails_naming_the_var(subset_builds):
    db, _ = subset_builds["crm only"]
    result = dbt("test", "--select", "events_are_recent", db=db, vars={"unified_segments_expected_feeds": ["event"]}, check=False)
    assert result.returncode != 0
    assert "var unified_segments_expected_feeds names 'event', which is no feed" in result.stdout
