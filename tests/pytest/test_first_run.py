"""A user's first run: any subset of the four feeds, each absent or empty, builds green with a plain
`dbt build` (no tag excluded) and gives profiles, and segments where their inputs exist; the
health guards judge only the feeds a deployment expects, and say when they skip one."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import NOT_A_LIVE_FEED, PROJECT_DIR, dbt, load, query, write_csv
from unified_segments import febrl as febrl_data
from unified_segments import load_raw
from unified_segments.warehouse import DuckDBWarehouse

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
    """Another tool landed nothing yet: every feed reads as no rows (unit tests included: their
    source fixtures are SQL, so dbt reads no columns from the missing tables)."""
    db = tmp_path / "warehouse.duckdb"
    dbt("build", db=db)
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


def usd_store(root: Path, unknown_currency_orders: int) -> Path:
    """A US store's order history: 40 orders in USD over four customers, plus some in XXX."""
    columns = [*load_raw.RAW_CONTRACT["transactions"][0], "loaded_at"]
    rows = [
        {
            "transaction_id": f"o{i}",
            "customer_id": f"u{i % 4}",
            "ordered_at": f"2026-10-{1 + i % 28:02d}T12:00:00Z",
            "status": "completed",
            "currency": "usd",
            "amount": f"{10 + i}.{i % 100:02d}",
            "loaded_at": "2026-10-31 00:00:00",
        }
        for i in range(40)
    ]
    rows += [{**rows[0], "transaction_id": f"x{i}", "currency": "XXX", "amount": "99.00"} for i in range(unknown_currency_orders)]
    write_csv(root / "raw" / "transactions.csv", columns, rows)
    db = root / "warehouse.duckdb"
    load(root / "raw", db)
    return db


def test_a_store_reporting_in_its_own_currency_gets_exact_revenue_and_unknown_currencies_are_reported(tmp_path):
    db = usd_store(tmp_path, unknown_currency_orders=1)
    usd = {"unified_segments_reporting_currency": "USD"}
    dbt("build", *NOT_A_LIVE_FEED, db=db, vars=usd)
    dbt("test", "--select", "currencies_are_convertible", db=db, vars=usd)  # a data-health guard: warns
    expected = {f"u{c}": sum(Decimal(f"{10 + i}.{i % 100:02d}") for i in range(40) if i % 4 == c) for c in range(4)}
    revenue = dict(query(db, "select primary_user_id, net_revenue from marts.dim_customer_profiles"))
    assert revenue == expected
    unconverted = dict(query(db, "select primary_user_id, unconverted_transactions from marts.dim_customer_profiles"))
    assert unconverted == {"u0": 1, "u1": 0, "u2": 0, "u3": 0}  # the XXX order is counted, not dropped
    [(currency, transactions, fix)] = query(db, "select currency, transactions, fix from audit.currencies_are_convertible")
    assert (currency, transactions) == ("XXX", 1)
    assert fix == "no rate from XXX to USD: add the row XXX,USD,<rate> to seeds/currency_rates.csv"
    store = query(
        db, "select currency, sum(net_revenue_in_currency), sum(net_revenue) from marts.fct_store_revenue_daily group by 1"
    )
    assert sorted(store, key=str) == [("USD", sum(expected.values()), sum(expected.values())), ("XXX", Decimal("99.00"), None)]


def test_a_large_share_of_unconvertible_transactions_fails_the_build(tmp_path):
    db = usd_store(tmp_path, unknown_currency_orders=10)  # 20 % of transactions
    usd = {"unified_segments_reporting_currency": "USD"}
    dbt("build", *NOT_A_LIVE_FEED, db=db, vars=usd)
    result = dbt("test", "--select", "currencies_are_convertible", db=db, vars=usd, check=False)
    assert result.returncode != 0
    assert "FAIL 2000 currencies_are_convertible" in re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)


@pytest.fixture(scope="module")
def febrl(tmp_path_factory):
    """FEBRL 4 (5,000 Australian people, each also in a corrupted copy) landed as a CRM-only contact
    list, built with a plain dbt build."""
    people = febrl_data.records("febrl4")
    root = tmp_path_factory.mktemp("febrl")
    (root / "raw").mkdir()
    febrl_data.contacts(people).to_csv(root / "raw" / "crm_contacts.csv", index=False)
    db = root / "warehouse.duckdb"
    load(root / "raw", db)
    return db, dbt("build", db=db), febrl_data.true_pairs(people)


def test_a_public_crm_list_builds_green_and_every_record_is_profiled(febrl):
    db, _, _ = febrl
    assert query(db, "select count(*) from raw.crm_contacts") == [(10000,)]
    assert query(db, "select count(*) from staging.stg_crm__contacts_quarantined") == [(0,)]
    profiled = query(
        db,
        """select count(distinct r.source_row_key) from identity.int_source_rows_resolved as r
           inner join marts.dim_customer_profiles as p using (person_id)
           where r.source_model = 'stg_crm__contacts'""",
    )
    assert profiled == [(10000,)]
    # FEBRL's corrupted birth dates (a month of 51) cost the date, not the contact.
    bad_dates = query(db, "select count(*) from staging.stg_field_issues where column_name = 'birth_date'")[0][0]
    assert bad_dates > 0
    assert query(db, "select count(birth_date) from staging.stg_crm__contacts")[0][0] >= 10000 - bad_dates - 300


def test_probabilistic_matching_finds_the_public_lists_duplicates(febrl):
    """The build estimates its weights from FEBRL's own pairs, with no labels: FEBRL's corruptions
    are someone else's, and weights estimated on our generator found 88% of its pairs."""
    db, _, truth = febrl
    matched = {
        tuple(sorted(pair))
        for pair in query(db, "select record_id_a, record_id_b from identity.int_match_pairs_scored where is_match")
    }
    score = febrl_data.scores(matched, truth)
    assert score["precision"] >= 0.995, score  # measured 1.000
    assert score["recall"] >= 0.97, score  # measured 0.987
    sources = query(db, "select distinct estimated_from from identity.int_match_weights where comparison <> 'prior'")
    assert all(source.startswith("build: EM over") for (source,) in sources), sources


def land_like_another_tool(
    db: Path, transactions_columns: str = "transaction_id varchar, ordered_at timestamptz, status varchar, amount decimal(12, 2)"
) -> None:
    """Raw tables as an ingestion tool lands them: typed columns, optional columns missing."""
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute(
        "create table raw.events (event_id bigint, event_type varchar, occurred_at timestamp, anonymous_id varchar, "
        "price double, loaded_at timestamp)"
    )
    con.execute("insert into raw.events values (101, 'page_view', '2026-10-30 10:00:00', 'anon-1', 12.5, '2026-10-31 00:00:00')")
    con.execute("create table raw.crm_contacts (contact_id integer, email varchar, updated_at timestamp, loaded_at timestamp)")
    con.execute("insert into raw.crm_contacts values (7, 'Ann@Mail.co.uk', '2026-10-01 00:00:00', '2026-10-31 00:00:00')")
    con.execute(f"create table raw.transactions ({transactions_columns}, loaded_at timestamp)")
    con.execute(
        "create table raw.privacy_requests (request_id varchar, identifier_type varchar, identifier_value varchar, "
        "request_type varchar, requested_at timestamp, loaded_at timestamp)"
    )
    con.execute(
        "insert into raw.privacy_requests values "
        "('r1', 'email', 'ann@mail.co.uk', 'marketing_opt_out', '2026-10-20 08:00:00', '2026-10-31 00:00:00')"
    )
    con.close()


def test_raw_tables_with_typed_and_missing_optional_columns_build(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    land_like_another_tool(db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    assert query(db, "select event_id, occurred_at::varchar, price from staging.stg_tracking__events") == [
        ("101", "2026-10-30 10:00:00", Decimal("12.50"))
    ]
    assert query(db, "select contact_id, email, address_line from staging.stg_crm__contacts") == [("7", "ann@mail.co.uk", None)]
    assert query(db, "select requested_at::varchar from staging.stg_privacy__requests") == [("2026-10-20 08:00:00",)]
    assert query(db, "select has_marketing_opt_out from marts.dim_customer_profiles where primary_contact_id = '7'") == [(True,)]


def test_a_raw_table_without_a_required_column_fails_naming_it(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    land_like_another_tool(db, transactions_columns="transaction_id varchar, ordered_at timestamptz, status varchar")
    result = dbt("build", *NOT_A_LIVE_FEED, db=db, check=False)
    assert result.returncode != 0
    assert '"warehouse"."raw"."transactions" has no column amount, which the raw landing contract requires' in result.stdout


def test_the_as_of_date_today_is_the_utc_date_of_the_run(subset_builds):
    db, _ = subset_builds["crm only"]
    before = datetime.now(UTC).date()
    profiles = ("int_customer_profiles", "dim_customer_profiles", "dim_customer_segments")  # the profile and what reads it
    dbt("run", "--select", *profiles, db=db, vars={"unified_segments_as_of_date": "today"})
    [(as_of,)] = query(db, "select distinct as_of_date from marts.dim_customer_segments")
    assert before <= as_of <= datetime.now(UTC).date()


def test_an_as_of_date_that_is_no_date_fails_naming_the_var(subset_builds):
    db, _ = subset_builds["crm only"]
    result = dbt(
        "run", "--select", "dim_customer_segments", db=db, vars={"unified_segments_as_of_date": "yesterday"}, check=False
    )
    assert result.returncode != 0
    assert "var unified_segments_as_of_date must be a date YYYY-MM-DD or today, got 'yesterday'" in result.stdout


def test_guests_sharing_a_junk_phone_stay_apart(tmp_path):
    """Guest checkouts often type 1111111111: it is staged as a phone, and blocked from linking people."""
    columns = [*load_raw.RAW_CONTRACT["transactions"][0], "loaded_at"]
    order = {"ordered_at": "2026-10-30T12:00:00Z", "status": "completed", "currency": "GBP", "amount": "5.00"}
    rows = [
        {**order, "transaction_id": "g1", "email": "guest.one@mail.co.uk", "phone": "1111111111", "loaded_at": "2026-10-31"},
        {**order, "transaction_id": "g2", "email": "guest.two@mail.co.uk", "phone": "1111111111", "loaded_at": "2026-10-31"},
    ]
    write_csv(tmp_path / "raw" / "transactions.csv", columns, rows)
    db = tmp_path / "warehouse.duckdb"
    load(tmp_path / "raw", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    assert query(db, "select count(distinct phone) from staging.stg_shop__transactions") == [(1,)]
    assert query(db, "select count(*), sum(orders) from marts.dim_customer_profiles") == [(2, 2)]
