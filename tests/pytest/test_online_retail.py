"""The UCI Online Retail import: real data through the same load path, built with every test."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from conftest import dbt, load, query
from unified_segments import import_online_retail

REALDATA = Path(os.environ.get("UNIFIED_SEGMENTS_REALDATA", import_online_retail.DEFAULT_REALDATA))


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    if not (REALDATA / import_online_retail.NEWER).is_file():
        message = f"real data not found at {REALDATA} (shared/realdata beside the checkout, or UNIFIED_SEGMENTS_REALDATA)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI has it beside the checkout: its absence there is a failure
        pytest.skip(message)
    root = tmp_path_factory.mktemp("retail")
    import_online_retail.map_to_contract(REALDATA, root / "mapped")
    db = root / "warehouse.duckdb"
    load(root / "mapped", db)
    dbt("build", db=db, vars={"unified_segments_as_of_date": import_online_retail.LAST_DAY})  # as the README says
    return db


def source_lines() -> duckdb.DuckDBPyConnection:
    """The two files' lines straight from Parquet, independently of the import's SQL."""
    con = duckdb.connect()
    con.execute(f"""create view newer as select InvoiceNo as invoice, Quantity * UnitPrice as value, CustomerID as customer
                    from read_parquet('{REALDATA / import_online_retail.NEWER}')""")
    con.execute(f"""create view older as select Invoice as invoice, Quantity * Price as value, "Customer ID" as customer
                    from read_parquet('{REALDATA / import_online_retail.OLDER}')""")
    return con


def test_overlapping_invoices_are_counted_once(retail):
    con = source_lines()
    newer, older, both = con.execute("""
        select (select count(distinct invoice) from newer), (select count(distinct invoice) from older),
               (select count(*) from (select distinct invoice from newer intersect select distinct invoice from older))
    """).fetchall()[0]
    assert both > 1000  # the README's 1,088 overlapping invoices (and a few more re-used numbers)
    assert query(retail, "select count(*) from raw.transactions") == [(newer + older - both,)]
    assert query(retail, "select count(*), count(distinct transaction_id) from raw.transactions")[0] == (
        newer + older - both,
        newer + older - both,
    )


def test_every_invoice_is_staged_or_quarantined_for_a_stated_reason(retail):
    raw_rows = query(retail, "select count(*) from raw.transactions")[0][0]
    staged = query(retail, "select count(*) from staging.stg_shop__transactions")[0][0]
    reasons = dict(query(retail, "select quarantine_reason, count(*) from staging.stg_shop__transactions_quarantined group by 1"))
    assert staged + sum(reasons.values()) == raw_rows
    # The three 'A' bad-debt adjustments of each file are no order; everything else is staged.
    assert reasons == {"status_unknown": 6}
    guests = (
        source_lines()
        .execute("""
        select count(*) from (
            select invoice from (
                select invoice, customer from newer
                union all select invoice, customer from older where invoice not in (select invoice from newer))
            where invoice not like 'A%'
            group by invoice
            having bool_and(customer is null))""")
        .fetchall()[0][0]
    )
    assert guests > 1000
    # Guest invoices carry no identifier: staged as the store's revenue, in no one's profile.
    assert query(retail, "select count(*) from staging.stg_shop__transactions where customer_id is null") == [(guests,)]
    unattributed = query(
        retail,
        """
        select count(*) from staging.stg_shop__transactions as t
        where not exists (select 1 from identity.int_source_rows_resolved as r
                          where r.source_model = 'stg_shop__transactions' and r.source_row_key = t.transaction_id)""",
    )
    assert unattributed == [(guests,)]


def test_staged_revenue_matches_the_source_lines(retail):
    expected = (
        source_lines()
        .execute("""
        select round(sum(value), 2) from (
            select * from newer union all select * from older where invoice not in (select invoice from newer))
        where invoice not like 'A%'""")
        .fetchall()[0][0]
    )
    staged = query(retail, "select sum(amount) from staging.stg_shop__transactions")[0][0]
    assert float(staged) == pytest.approx(expected, abs=1.0)  # per-invoice rounding to pennies
    contacts = query(retail, "select count(*), count(country) from staging.stg_crm__contacts")[0]
    assert contacts[0] > 5000 and contacts[1] > 0.99 * contacts[0]
