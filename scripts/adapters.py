"""Source adapters: the schemas shops have, mapped to the raw landing contract before loading.

    unified-segments load exports/segment --preset segment     # or rudderstack, ga4, shopify

Each preset reads a folder of the vendor's files (Parquet, CSV or JSON Lines, as exported from the
vendor or its warehouse) and writes contract-shaped Parquet files that load_raw then lands through
the normal path (load log, idempotency, one-line refusals). The column maps:

segment, rudderstack: their warehouse schema (both write the same tables).
    tracks, <event>  (one table per event, e.g. product_added, with the properties as columns)
        events.event_id <- id; event_type <- EVENT_TYPES[event] (other names pass as snake_case,
        so var unified_segments_event_types decides); occurred_at <- timestamp;
        anonymous_id, user_id; email <- context_traits_email; session_id <- context_session_id;
        page_url <- context_page_url; product_id, price, quantity <- the same names,
        product_category <- category; device_type <- context_device_type;
        utm_source <- context_campaign_source. A call in tracks and its event table is taken once.
    pages    events as page_view; page_url <- url (else context_page_url)
    identifies  events as identify; email <- email (else context_traits_email)
    users    crm_contacts: contact_id <- id; email, phone, first_name, last_name, city, country,
             postal_code, address_line (address_street), updated_at <- received_at (else the load time)
ga4: the BigQuery export (events_YYYYMMDD, exported as Parquet or JSON Lines).
    events.event_id <- a hash of user_pseudo_id, event_timestamp, event_name, event_bundle_sequence_id;
    event_type <- GA4_EVENT_TYPES[event_name]; occurred_at <- event_timestamp (microseconds);
    anonymous_id <- user_pseudo_id; user_id; session_id <- event_params ga_session_id;
    page_url <- event_params page_location; product_id, product_category, price, quantity <- the
    first of items (item_id, item_category, price, quantity); device_type <- device.category;
    utm_source <- traffic_source.source. GA4 carries no email.
shopify: the admin's CSV exports.
    orders_export*.csv (one row per line item; the order's fields on its first row)
        transactions.transaction_id <- Name; email <- Email; phone <- Phone (else Billing Phone);
        ordered_at <- Created at; status <- cancelled when Cancelled at is set, else completed for
        Financial Status paid / partially_paid / partially_refunded / refunded, else the status as
        it is (staging quarantines what is no order, e.g. pending); currency <- Currency;
        amount <- Total; item_count <- sum of Lineitem quantity; channel <- Source;
        address_line <- Shipping Address1; postal_code <- Shipping Zip; country <- Shipping Country
        (it decides how a national phone is read). A Refunded Amount adds a
        refund row <Name>-refund with the negative amount.
    customers_export*.csv
        crm_contacts.contact_id <- Customer ID; first_name, last_name <- First Name, Last Name;
        email <- Email; phone <- Phone (else Default Address Phone); email_opt_in <- Accepts Email
        Marketing (else Accepts Marketing); address_line, city, postal_code, country <- Default
        Address Address1 / City / Zip / Country Code (else Address1 / City / Zip / Country Code);
        updated_at <- the load time (the export is a snapshot of that moment).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

PRESETS = ("segment", "rudderstack", "ga4", "shopify")
# Segment's e-commerce and lifecycle spec -> the tracking plan of the contract.
EVENT_TYPES = {
    "Product Viewed": "product_view",
    "Product Added": "add_to_cart",
    "Product Removed": "remove_from_cart",
    "Checkout Started": "checkout_started",
    "Order Completed": "purchase",
    "Products Searched": "search",
    "Signed Up": "signup",
    "Signed In": "login",
    "Email Opened": "email_open",
    "Email Link Clicked": "email_click",
}
GA4_EVENT_TYPES = {
    "page_view": "page_view",
    "view_item": "product_view",
    "add_to_cart": "add_to_cart",
    "remove_from_cart": "remove_from_cart",
    "begin_checkout": "checkout_started",
    "purchase": "purchase",
    "search": "search",
    "view_search_results": "search",
    "sign_up": "signup",
    "login": "login",
}
SEGMENT_TABLES = {"tracks", "pages", "identifies", "users", "screens", "groups", "aliases"}


def files_of(folder: Path, stem: str) -> list[Path]:
    """The files of one vendor table: <stem>.<ext>, <stem>/*, or (GA4) <stem>_* sharded tables."""
    found = [p for p in folder.glob(f"{stem}.*") if p.is_file()]
    found += [p for p in (folder / stem).glob("*") if p.is_file()] if (folder / stem).is_dir() else []
    return sorted(found)


def reader_sql(path: Path) -> str:
    quoted = "'" + str(path).replace("'", "''") + "'"
    name = path.name.removesuffix(".gz")
    if name.endswith(".parquet"):
        return f"read_parquet({quoted})"
    if name.endswith(".csv"):
        return f"read_csv({quoted}, header = true, all_varchar = true)"
    return f"read_json({quoted}, format = 'newline_delimited', sample_size = -1)"


def union_of(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> str | None:
    if not paths:
        return None
    return " union all by name ".join(f"select * from {reader_sql(p)}" for p in paths)


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {row[0].lower() for row in con.execute(f"describe select * from ({relation})").fetchall()}


def pick(columns: set[str], *names: str) -> str:
    """The first of names the relation has, as text; null when it has none."""
    present = [f'cast("{n}" as varchar)' for n in names if n.lower() in columns]
    if not present:
        return "null"
    return present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"


def mapping_case(expression: str, mapping: dict[str, str], otherwise: str) -> str:
    whens = " ".join(f"when '{source}' then '{target}'" for source, target in mapping.items())
    return f"case {expression} {whens} else {otherwise} end"


def segment(con: duckdb.DuckDBPyConnection, folder: Path, stamp: datetime) -> dict[str, str]:
    event_tables = sorted(
        {
            p.name.split(".")[0]
            for p in folder.iterdir()
            if p.name.split(".")[0] not in SEGMENT_TABLES and not p.name.startswith(".")
        }
    )
    selects = []
    snake = "regexp_replace(lower(trim(event)), '[^a-z0-9]+', '_', 'g')"
    for rank, table in enumerate(["tracks", *event_tables]):
        relation = union_of(con, files_of(folder, table))
        if relation is None:
            continue
        c = columns_of(con, relation)
        selects.append(f"""
            select {rank} as source_rank, {pick(c, "id")} as event_id,
                {mapping_case("event", EVENT_TYPES, snake) if "event" in c else "null"} as event_type,
                {pick(c, "timestamp", "original_timestamp", "sent_at")} as occurred_at,
                {pick(c, "anonymous_id")} as anonymous_id, {pick(c, "user_id")} as user_id,
                {pick(c, "context_traits_email", "email")} as email,
                {pick(c, "context_session_id", "session_id")} as session_id,
                {pick(c, "context_page_url", "url")} as page_url,
                {pick(c, "product_id")} as product_id, {pick(c, "category", "product_category")} as product_category,
                {pick(c, "price")} as price, {pick(c, "quantity")} as quantity,
                {pick(c, "context_device_type")} as device_type, {pick(c, "context_campaign_source")} as utm_source
            from ({relation})""")
    for table, event_type in (("pages", "page_view"), ("identifies", "identify")):
        relation = union_of(con, files_of(folder, table))
        if relation is None:
            continue
        c = columns_of(con, relation)
        selects.append(f"""
            select 0 as source_rank, {pick(c, "id")} as event_id, '{event_type}' as event_type,
                {pick(c, "timestamp", "original_timestamp", "sent_at")} as occurred_at,
                {pick(c, "anonymous_id")} as anonymous_id, {pick(c, "user_id")} as user_id,
                {pick(c, "email", "context_traits_email")} as email,
                {pick(c, "context_session_id", "session_id")} as session_id,
                {pick(c, "url", "context_page_url")} as page_url,
                null as product_id, null as product_category, null as price, null as quantity,
                {pick(c, "context_device_type")} as device_type, {pick(c, "context_campaign_source")} as utm_source
            from ({relation})""")
    tables = {}
    if selects:
        # A track call lands in tracks and in its own table: keep the event table's row (it has the properties).
        tables["events"] = f"""
            select * exclude (source_rank, keep) from (
                select *, row_number() over (partition by event_id order by source_rank desc) as keep
                from ({" union all ".join(selects)}))
            where keep = 1 or event_id is null"""
    users = union_of(con, files_of(folder, "users"))
    if users is not None:
        c = columns_of(con, users)
        tables["crm_contacts"] = f"""
            select {pick(c, "id")} as contact_id, {pick(c, "email")} as email, {pick(c, "phone")} as phone,
                {pick(c, "first_name")} as first_name, {pick(c, "last_name")} as last_name,
                {pick(c, "city", "address_city")} as city, {pick(c, "country", "address_country")} as country,
                {pick(c, "postal_code", "address_postal_code")} as postal_code,
                {pick(c, "address_street", "street")} as address_line,
                coalesce({pick(c, "received_at", "uuid_ts")}, '{stamp.isoformat()}') as updated_at
            from ({users})"""
    return tables


def ga4(con: duckdb.DuckDBPyConnection, folder: Path, stamp: datetime) -> dict[str, str]:
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and re.match(r"events(_intraday)?_[0-9]{8}", p.name))
    relation = union_of(con, paths)
    if relation is None:
        return {}

    c = columns_of(con, relation)

    def param(key: str, value: str = "string_value") -> str:
        if "event_params" not in c:
            return "null"
        return f"cast(list_filter(event_params, lambda x: x.key = '{key}')[1].value.{value} as varchar)"

    def nested(column: str, field: str) -> str:
        return f"cast({column}.{field} as varchar)" if column in c else "null"

    def item(field: str) -> str:
        return f"cast(items[1].{field} as varchar)" if "items" in c else "null"

    event_type = mapping_case("event_name", GA4_EVENT_TYPES, "lower(event_name)")
    return {
        "events": f"""
            select
                md5(concat_ws('|', user_pseudo_id, cast(event_timestamp as varchar), event_name,
                    {pick(c, "event_bundle_sequence_id")})) as event_id,
                {event_type} as event_type,
                strftime(make_timestamp(cast(event_timestamp as bigint)), '%Y-%m-%dT%H:%M:%S.%fZ') as occurred_at,
                {pick(c, "user_pseudo_id")} as anonymous_id, {pick(c, "user_id")} as user_id,
                null as email, {param("ga_session_id", "int_value")} as session_id, {param("page_location")} as page_url,
                {item("item_id")} as product_id, {item("item_category")} as product_category,
                {item("price")} as price, {item("quantity")} as quantity,
                {nested("device", "category")} as device_type, {nested("traffic_source", "source")} as utm_source
            from ({relation})"""
    }


def shopify(con: duckdb.DuckDBPyConnection, folder: Path, stamp: datetime) -> dict[str, str]:
    tables = {}
    orders = union_of(con, sorted(folder.glob("orders_export*.csv")))
    if orders is not None:
        c = columns_of(con, orders)
        status = f"""case
            when nullif(trim({pick(c, "Cancelled at")}), '') is not null then 'cancelled'
            when lower({pick(c, "Financial Status")}) in ('paid', 'partially_paid', 'partially_refunded', 'refunded')
                then 'completed'
            else lower({pick(c, "Financial Status")}) end"""
        created = f"strptime(nullif(trim({pick(c, 'Created at')}), ''), '%Y-%m-%d %H:%M:%S %z')"
        tables["transactions"] = f"""
            with lines as (select * from ({orders})),
            orders as (
                select "Name" as transaction_id,
                    max(nullif(trim({pick(c, "Email")}), '')) as email,
                    max(nullif(trim({pick(c, "Phone", "Billing Phone")}), '')) as phone,
                    max(strftime({created}, '%Y-%m-%dT%H:%M:%SZ')) as ordered_at,
                    max(case when nullif(trim({pick(c, "Financial Status")}), '') is not null then {status} end) as status,
                    max(nullif(trim({pick(c, "Currency")}), '')) as currency,
                    max(nullif(trim({pick(c, "Total")}), '')) as amount,
                    cast(sum(try_cast({pick(c, "Lineitem quantity")} as integer)) as varchar) as item_count,
                    max(nullif(trim({pick(c, "Source")}), '')) as channel,
                    max(nullif(trim({pick(c, "Shipping Address1")}), '')) as address_line,
                    max(nullif(trim({pick(c, "Shipping Zip")}), '')) as postal_code,
                    max(nullif(trim({pick(c, "Shipping Country")}), '')) as country,
                    max(nullif(trim({pick(c, "Refunded Amount")}), '')) as refunded_amount
                from lines group by "Name")
            select transaction_id, null as customer_id, email, phone, ordered_at, status, currency, amount,
                item_count, channel, address_line, postal_code, country from orders
            union all
            select transaction_id || '-refund', null, email, phone, ordered_at, 'refunded', currency,
                cast(-try_cast(refunded_amount as decimal(18, 2)) as varchar), null, channel, address_line, postal_code,
                country
            from orders where try_cast(refunded_amount as decimal(18, 2)) > 0"""
    customers = union_of(con, sorted(folder.glob("customers_export*.csv")))
    if customers is not None:
        c = columns_of(con, customers)
        tables["crm_contacts"] = f"""
            select {pick(c, "Customer ID")} as contact_id, {pick(c, "Email")} as email,
                {pick(c, "Phone", "Default Address Phone")} as phone,
                {pick(c, "First Name")} as first_name, {pick(c, "Last Name")} as last_name,
                {pick(c, "Default Address City", "City")} as city,
                {pick(c, "Default Address Country Code", "Country Code")} as country,
                {pick(c, "Default Address Zip", "Zip")} as postal_code,
                {pick(c, "Default Address Address1", "Address1")} as address_line,
                {pick(c, "Accepts Email Marketing", "Accepts Marketing")} as email_opt_in,
                '{stamp.isoformat()}' as updated_at
            from ({customers})"""
    return tables


ADAPTERS: dict[str, Callable[[duckdb.DuckDBPyConnection, Path, datetime], dict[str, str]]] = {
    "segment": segment,
    "rudderstack": segment,
    "ga4": ga4,
    "shopify": shopify,
}


def convert(preset: str, folder: Path, out: Path, stamp: datetime) -> list[str]:
    """Write the contract tables the preset maps from folder as out/<table>.parquet; returns their names."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    try:
        tables = ADAPTERS[preset](con, folder, stamp)
        if not tables:
            raise SystemExit(f"{folder}: no {preset} files found (see scripts/adapters.py for the file names each preset reads)")
        out.mkdir(parents=True, exist_ok=True)
        for table, sql in tables.items():
            target = "'" + str(out / f"{table}.parquet").replace("'", "''") + "'"
            # in a fixed order, so converting the same export twice gives the same file (the load log skips it)
            con.execute(f"copy (select * from ({sql}) order by all) to {target} (format parquet)")
    except duckdb.Error as error:
        raise SystemExit(f"{folder}: cannot read as {preset}: {str(error).splitlines()[0]}") from None
    finally:
        con.close()
    return sorted(tables)
