"""Source adapters (load_raw.py --preset): fixtures shaped like each vendor's published schema flow
through loading, staging and identity into one profile per person.

Segment / RudderStack: the warehouse schema (tracks, one table per event with its properties as
columns, pages, identifies, users; context_* columns). GA4: the BigQuery export's events_YYYYMMDD
rows with nested event_params, items, device and traffic_source, as JSON Lines. Shopify: the
admin's orders and customers CSV exports with their column headers."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from conftest import CLI, NOT_A_LIVE_FEED, dbt, query

LOADED_AT = "2026-10-31T06:00:00"


def load_preset(preset: str, folder: Path, db: Path) -> str:
    result = subprocess.run(
        [*CLI, "load", str(folder), "--preset", preset, "--loaded-at", LOADED_AT],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIFIED_SEGMENTS_TARGET": "duckdb", "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def write_parquet(path: Path, sql: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect().execute(f"copy ({sql}) to '{path}' (format parquet)")


def test_a_segment_warehouse_schema_becomes_one_profile(tmp_path):
    raw = tmp_path / "segment"
    common = "'anon-1' as anonymous_id, timestamptz '2026-10-30 10:05:00+00' as received_at"
    write_parquet(
        raw / "pages.parquet",
        f"select 'pg-1' as id, {common}, null::varchar as user_id, timestamptz '2026-10-30 10:00:00+00' as timestamp, "
        "'https://shop.test/p/1' as url, '/p/1' as path, 'Shoes' as title",
    )
    track = f"select 'tr-1' as id, {common}, null::varchar as user_id, 'Product Added' as event, 'Product Added' as event_text, "
    track += "timestamptz '2026-10-30 10:01:00+00' as timestamp, 'https://shop.test/p/1' as context_page_url, "
    track += "'news' as context_campaign_source"
    write_parquet(raw / "tracks.parquet", track)  # every track call is in tracks ...
    write_parquet(  # ... and in its event's own table, with the properties as columns
        raw / "product_added.parquet",
        f"select *, 'P1' as product_id, 59.9::double as price, 1 as quantity, 'shoes' as category from ({track})",
    )
    write_parquet(
        raw / "identifies.parquet",
        f"select 'id-1' as id, {common}, 'u1' as user_id, 'Ann@Mail.co.uk' as email, "
        "timestamptz '2026-10-30 10:02:00+00' as timestamp",
    )
    write_parquet(
        raw / "users.parquet",
        "select 'u1' as id, 'ann@mail.co.uk' as email, 'Ann' as first_name, 'Lee' as last_name, "
        "timestamptz '2026-10-30 10:02:00+00' as received_at",
    )
    db = tmp_path / "warehouse.duckdb"
    printed = load_preset("segment", raw, db)
    assert "raw.events: loaded 3 rows" in printed  # the track call is taken once
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    profiles = query(
        db,
        "select primary_user_id, email, first_name, page_views_30d, cart_adds_30d, identifier_count "
        "from marts.dim_customer_profiles",
    )
    assert profiles == [("u1", "ann@mail.co.uk", "Ann", 1, 1, 4)]  # user_id, contact_id, email, anonymous_id
    assert query(
        db, "select product_id, price, product_category from staging.stg_tracking__events where event_type = 'add_to_cart'"
    ) == [("P1", Decimal("59.90"), "shoes")]


def ga4_row(seconds: int, name: str, **extra) -> dict:
    params = [
        {"key": "page_location", "value": {"string_value": "https://shop.test/", "int_value": None}},
        {"key": "ga_session_id", "value": {"string_value": None, "int_value": 1793354400}},
    ]
    return {
        "event_date": "20261030",
        "event_timestamp": seconds * 1_000_000,
        "event_name": name,
        "event_params": params,
        "event_bundle_sequence_id": seconds,
        "user_pseudo_id": "1234567.7654321",
        "user_id": None,
        "device": {"category": "mobile", "operating_system": "iOS"},
        "traffic_source": {"source": "google", "medium": "organic", "name": None},
        "items": [],
        **extra,
    }


def test_a_ga4_export_becomes_one_profile(tmp_path):
    start = int(datetime(2026, 10, 30, 10, 0, tzinfo=UTC).timestamp())
    item = {"item_id": "SKU-1", "item_name": "Runner", "item_category": "Shoes", "price": 59.9, "quantity": 2}
    rows = [
        ga4_row(start, "page_view"),
        ga4_row(start + 60, "view_item", items=[item]),
        ga4_row(start + 120, "add_to_cart", items=[item]),
        ga4_row(start + 180, "login", user_id="u9"),  # the row that links the browser to the user
    ]
    (tmp_path / "ga4").mkdir()
    (tmp_path / "ga4" / "events_20261030.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = tmp_path / "warehouse.duckdb"
    load_preset("ga4", tmp_path / "ga4", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)
    assert query(
        db, "select primary_user_id, sessions_30d, product_views_30d, cart_adds_30d from marts.dim_customer_profiles"
    ) == [("u9", 1, 1, 1)]
    staged = query(
        db,
        "select occurred_at::varchar, page_url, device_type, utm_source, quantity from staging.stg_tracking__events order by 1",
    )
    assert staged[2] == ("2026-10-30 10:02:00", "https://shop.test/", "mobile", "google", 2)


ORDER_COLUMNS = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,"
    "Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,"
    "Lineitem sku,Billing Name,Billing Phone,Shipping Name,Shipping Address1,Shipping City,Shipping Zip,Shipping Country,"
    "Cancelled at,Refunded Amount,Id,Phone,Source"
).split(",")
CUSTOMER_COLUMNS = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,"
    "Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,"
    "Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags"
).split(",")


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)


def test_shopify_exports_become_one_profile_with_orders_and_refunds(tmp_path):
    order = {"Email": "ann@mail.co.uk", "Currency": "USD", "Billing Phone": "(415) 555-0123", "Source": "web"}
    order |= {"Shipping Address1": "12 High St", "Shipping Zip": "94107", "Shipping Country": "US"}
    lines = [
        {**order, "Name": "#1001", "Financial Status": "paid", "Total": "80.00", "Created at": "2026-10-29 09:15:00 -0400"}
        | {"Lineitem quantity": "1", "Lineitem name": "Runner"},
        {"Name": "#1001", "Lineitem quantity": "2", "Lineitem name": "Socks"},  # a further line item: only its own fields
        {**order, "Name": "#1002", "Financial Status": "partially_refunded", "Total": "50.00", "Refunded Amount": "10.00"}
        | {"Created at": "2026-10-30 18:00:00 -0400", "Lineitem quantity": "1"},
        {**order, "Name": "#1003", "Financial Status": "pending", "Total": "20.00", "Created at": "2026-10-30 19:00:00 -0400"},
    ]
    write_rows(tmp_path / "shopify" / "orders_export_1.csv", ORDER_COLUMNS, lines)
    customer = {"Customer ID": "6543210987", "First Name": "Ann", "Last Name": "Lee", "Email": "Ann@Mail.co.uk"}
    customer |= {"Accepts Email Marketing": "yes", "Default Address Country Code": "US", "Default Address Zip": "94107"}
    write_rows(tmp_path / "shopify" / "customers_export.csv", CUSTOMER_COLUMNS, [customer])
    db = tmp_path / "warehouse.duckdb"
    load_preset("shopify", tmp_path / "shopify", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db, vars={"unified_segments_reporting_currency": "USD"})
    profiles = query(
        db,
        "select primary_contact_id, first_name, phone, is_email_opted_in, orders, refunds, net_revenue "
        "from marts.dim_customer_profiles",
    )
    assert profiles == [("6543210987", "Ann", "+14155550123", True, 2, 1, Decimal("120.00"))]
    assert query(db, "select transaction_id, ordered_at::varchar, item_count from staging.stg_shop__transactions order by 1") == [
        ("#1001", "2026-10-29 13:15:00", 3),
        ("#1002", "2026-10-30 22:00:00", 1),
        ("#1002-refund", "2026-10-30 22:00:00", None),
    ]
    # A pending order is no order yet: quarantined with its status, visible, not revenue.
    assert query(db, "select row_key, quarantine_reason from staging.stg_shop__transactions_quarantined") == [
        ("#1003", "status_unknown")
    ]


def test_a_preset_on_a_folder_without_its_files_is_refused_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [*CLI, "load", str(tmp_path / "empty"), "--preset", "shopify"],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIFIED_SEGMENTS_TARGET": "duckdb", "UNIFIED_SEGMENTS_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
    )
    assert result.returncode == 1
    assert result.stderr.strip().split("\n") == [
        f"{tmp_path / 'empty'}: no shopify files found (see scripts/adapters.py for the file names each preset reads)"
    ]
