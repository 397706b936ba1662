"""Import the UCI Online Retail data into the raw landing tables, through the normal load step.

    unified-segments import-online-retail                       # reads ../shared/realdata
    unified-segments import-online-retail --realdata DIR --target postgres

A worked example of bringing your own files: map them to the raw contract, write Parquet, load.

Column mapping (one invoice line per source row, aggregated per invoice):
    raw.transactions.transaction_id  <- InvoiceNo / Invoice
    raw.transactions.customer_id     <- CustomerID / "Customer ID" as an integer id (null: guest)
    raw.transactions.ordered_at      <- earliest InvoiceDate of the invoice (UTC, ISO-8601)
    raw.transactions.status          <- 'refunded' for a "C" (credit note) invoice, 'adjustment'
                                        for an "A" (bad-debt adjustment), else 'completed'
    raw.transactions.amount          <- sum(Quantity * UnitPrice), GBP; negative on credit notes
    raw.transactions.item_count      <- sum(Quantity)
    raw.transactions.currency        <- 'GBP';  channel <- 'online'
    raw.crm_contacts.contact_id      <- CustomerID
    raw.crm_contacts.country         <- the customer's latest Country, as ISO alpha-2 (null when the
                                        name is no one country: 'European Community', 'Channel Islands')
    raw.crm_contacts.created_at / updated_at <- the customer's first / last invoice
Staging stages guest invoices (no identifier: the store's revenue, in no one's profile) and
quarantines the adjustments, which are no order (status_unknown). The data ends on LAST_DAY:
build it at that as-of date (`--vars '{unified_segments_as_of_date: "2011-12-09"}'`), so the
recency guards judge the data as it was when it was live.

The 2009-2010 file's last days overlap the 2010-2011 file: an invoice present in both is taken
from the 2010-2011 file only, so no line is counted twice.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from unified_segments import load_raw
from unified_segments.load_raw import Target
from unified_segments.warehouse import PROJECT_DIR, connect

DEFAULT_REALDATA = PROJECT_DIR.parent / "shared" / "realdata"
NEWER = "online_retail.parquet"
OLDER = "online_retail_ii_2009_2010.parquet"
LAST_DAY = "2011-12-09"  # the newest InvoiceDate of the two files

COUNTRY_CODES = {
    "Australia": "AU",
    "Austria": "AT",
    "Bahrain": "BH",
    "Belgium": "BE",
    "Bermuda": "BM",
    "Brazil": "BR",
    "Canada": "CA",
    "Cyprus": "CY",
    "Czech Republic": "CZ",
    "Denmark": "DK",
    "EIRE": "IE",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hong Kong": "HK",
    "Iceland": "IS",
    "Israel": "IL",
    "Italy": "IT",
    "Japan": "JP",
    "Korea": "KR",
    "Lebanon": "LB",
    "Lithuania": "LT",
    "Malta": "MT",
    "Netherlands": "NL",
    "Nigeria": "NG",
    "Norway": "NO",
    "Poland": "PL",
    "Portugal": "PT",
    "RSA": "ZA",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Spain": "ES",
    "Sweden": "SE",
    "Switzerland": "CH",
    "Thailand": "TH",
    "USA": "US",
    "United Arab Emirates": "AE",
    "United Kingdom": "GB",
}


def map_to_contract(realdata: Path, out: Path) -> dict[str, int]:
    """Write transactions.parquet and crm_contacts.parquet under out; returns their row counts."""
    for name in (NEWER, OLDER):
        if not (realdata / name).is_file():
            raise SystemExit(f"{realdata / name} not found: pass --realdata (see ../shared/realdata/README.md)")
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create table country_codes (country varchar, iso varchar)")
    con.executemany("insert into country_codes values (?, ?)", list(COUNTRY_CODES.items()))
    con.execute(f"""
        create view newer as
        select InvoiceNo as invoice, Quantity as quantity, UnitPrice as unit_price,
            cast(InvoiceDate as timestamp) as invoiced_at, cast(CustomerID as bigint) as customer_id, Country as country
        from read_parquet('{realdata / NEWER}')""")
    con.execute(f"""
        create view lines as
        select * from newer
        union all
        select Invoice, Quantity, Price, cast(InvoiceDate as timestamp), "Customer ID", Country
        from read_parquet('{realdata / OLDER}')
        where Invoice not in (select invoice from newer)""")
    out.mkdir(parents=True, exist_ok=True)
    con.execute(f"""
        copy (
            select
                invoice as transaction_id,
                cast(min(customer_id) as varchar) as customer_id,
                strftime(min(invoiced_at), '%Y-%m-%dT%H:%M:%SZ') as ordered_at,
                case left(invoice, 1) when 'C' then 'refunded' when 'A' then 'adjustment' else 'completed' end as status,
                'GBP' as currency,
                printf('%.2f', sum(quantity * unit_price)) as amount,
                cast(sum(quantity) as varchar) as item_count,
                'online' as channel
            from lines
            group by invoice
            order by invoice
        ) to '{out / "transactions.parquet"}' (format parquet)""")
    con.execute(f"""
        copy (
            select
                cast(customer_id as varchar) as contact_id,
                max_by(iso, invoiced_at) as country,
                strftime(min(invoiced_at), '%Y-%m-%d %H:%M:%S') as created_at,
                strftime(max(invoiced_at), '%Y-%m-%d %H:%M:%S') as updated_at
            from lines
            left join country_codes using (country)
            where customer_id is not null
            group by customer_id
            order by customer_id
        ) to '{out / "crm_contacts.parquet"}' (format parquet)""")
    return {
        table: con.execute(f"select count(*) from read_parquet('{out / table}.parquet')").fetchall()[0][0]
        for table in ("transactions", "crm_contacts")
    }


def main(
    realdata: Annotated[Path, typer.Option(help="the folder holding the Online Retail files")] = DEFAULT_REALDATA,
    target: Annotated[Target | None, typer.Option(help="default: UNIFIED_SEGMENTS_TARGET or duckdb")] = None,
    keep: Annotated[Path | None, typer.Option(help="also keep the mapped Parquet files in this folder")] = None,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = keep or Path(scratch)
        counts = map_to_contract(realdata, out)
        print("mapped " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
        wh = connect(target and target.value)
        try:
            summary = load_raw.load(out, wh)
        finally:
            wh.close()
    for table, stats in summary.items():
        print(f"raw.{table}: loaded {stats['rows_loaded']:,} rows, skipped {stats['files_skipped']} already-loaded file(s)")


if __name__ == "__main__":  # run as a file, python scripts/import_online_retail.py: the same command as in unified-segments
    typer.run(main)
