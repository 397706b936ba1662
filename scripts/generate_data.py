"""Generate a deterministic synthetic shop: raw landing files plus a ground truth no model reads.

The same seed, people count and as-of date give identical files. Work is done in fixed-size
chunks of people, each with its own random stream, and every chunk is written as its own Parquet
part, so memory stays bounded at any scale.

Layout written under --out:
    raw/<table>/part-NNNNN.parquet       what lands in the warehouse (scripts/load_raw.py)
    ground_truth/identifiers/...         which true person owns each normalised identifier
    ground_truth/people/...              each person's intended behaviour profile
    metadata.json                        parameters and the expected staging counts per table
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from multiprocessing import Pool
from pathlib import Path
from typing import Annotated

import duckdb
import pyarrow as pa
import typer

from unified_segments.progress import track

CHUNK_PEOPLE = 10_000  # fixed: changing it changes the random streams and so the data
WINDOW_DAYS = 180
MS_PER_DAY = 86_400_000
MS_PER_MINUTE = 60_000

RAW_TABLES = ("events", "crm_contacts", "transactions", "privacy_requests", "consent_records")


@dataclass(frozen=True)
class Persona:
    share: float
    sessions: tuple[int, int]  # sessions in the window, inclusive range
    active_days_ago: tuple[int, int]  # sessions fall between these many days before the as-of date
    registered: float  # probability of having an account
    cart_rate: float  # probability that a session adds to the cart
    purchase_rate: float  # probability that a cart session is bought
    taste: str  # which categories the person browses
    emails_per_month: float  # marketing emails opened


PERSONAS = {
    "casual_browser": Persona(0.20, (1, 3), (180, 0), 0.45, 0.15, 0.25, "any", 0.3),
    "repeat_buyer": Persona(0.12, (5, 12), (180, 0), 0.95, 0.75, 0.75, "any", 1.0),
    "lapsed_buyer": Persona(0.10, (2, 5), (180, 100), 0.85, 0.65, 0.75, "any", 0.2),
    "cart_abandoner": Persona(0.10, (2, 6), (30, 0), 0.70, 0.95, 0.04, "any", 0.5),
    "luxury_browser": Persona(0.08, (3, 9), (60, 0), 0.70, 0.30, 0.15, "luxury", 0.5),
    "deal_seeker": Persona(0.10, (3, 8), (90, 0), 0.80, 0.60, 0.50, "sale", 1.5),
    "new_signup": Persona(0.08, (1, 3), (7, 0), 1.00, 0.30, 0.30, "any", 0.0),
    "guest_buyer": Persona(0.10, (1, 3), (120, 0), 0.00, 0.85, 0.80, "any", 0.0),
    "email_subscriber": Persona(0.12, (0, 2), (180, 0), 0.20, 0.10, 0.30, "any", 2.0),
}

# category: (lowest price, highest price, kind)
CATEGORIES = {
    "electronics": (25, 900, "regular"),
    "home": (10, 300, "regular"),
    "books": (5, 40, "regular"),
    "fashion": (15, 200, "regular"),
    "beauty": (8, 90, "regular"),
    "sports": (10, 250, "regular"),
    "toys": (8, 80, "regular"),
    "garden": (10, 400, "regular"),
    "luxury-watches": (900, 12000, "luxury"),
    "designer-bags": (600, 5000, "luxury"),
    "sale": (3, 60, "sale"),
}
REGULAR = [c for c, v in CATEGORIES.items() if v[2] == "regular"]
LUXURY = [c for c, v in CATEGORIES.items() if v[2] == "luxury"]
PRODUCTS_PER_CATEGORY = 200

# country: (share, calling code, currency, cities)
COUNTRIES = {
    "GB": (0.60, "44", "GBP", ["London", "Manchester", "Leeds", "Bristol", "Glasgow"]),
    "US": (0.12, "1", "USD", ["New York", "Austin", "Seattle", "Chicago"]),
    "IE": (0.08, "353", "EUR", ["Dublin", "Cork", "Galway"]),
    "FR": (0.08, "33", "EUR", ["Paris", "Lyon", "Lille"]),
    "DE": (0.07, "49", "EUR", ["Berlin", "Hamburg", "Munich"]),
    "NL": (0.05, "31", "EUR", ["Amsterdam", "Utrecht", "Rotterdam"]),
}
FIRST_NAMES = (
    "Olivia Amelia Isla Ava Mia Grace Sophia Lily Emily Freya Jack Noah Oliver Leo George Harry "
    "Charlie Jacob Thomas Oscar James William Lucas Henry Emma Chloe Sarah Liam Ethan Zoe Aoife "
    "Sean Niamh Camille Louis Hugo Lena Jonas Finn Sanne Daan Maria Ana Wei Priya Arjun Fatima "
    "Omar Yusuf Hana"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Robinson Thompson "
    "White Hughes Edwards Green Hall Wood Harris Martin Lewis Clarke Jackson Murphy Kelly Byrne "
    "Ryan Walsh Dubois Laurent Bernard Moreau Muller Schmidt Schneider Fischer Weber DeVries "
    "Jansen Bakker Visser Garcia Lopez Chen Wang Khan Ali Singh Nguyen"
).split()
# Addresses: "<number> <street> <suffix>"; people abbreviate the suffix when they type it again.
STREETS = "High Church Station Park Victoria Green Manor Kings Queens Mill School New Albert Castle Bridge".split()
STREET_SUFFIXES = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl", "Drive": "Dr"}
TYPO_SHARE = 0.05  # of people in the CRM, entered a second time by hand
NICKNAMES = {
    "William": "Will",
    "Thomas": "Tom",
    "James": "Jim",
    "Oliver": "Ollie",
    "Charlie": "Charles",
    "Jacob": "Jake",
    "Henry": "Harry",
    "Samuel": "Sam",
    "Olivia": "Liv",
    "Amelia": "Millie",
    "Sophia": "Sophie",
    "Emily": "Em",
    "Sarah": "Sally",
    "Lucas": "Luke",
    "Jonas": "Jon",
}
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.com", "icloud.com", "proton.me"]
JUNK_EMAILS = ["test@test.com", "noemail@example.com", "a@a.com"]
JUNK_PHONES = ["07000000000", "07777777777"]  # valid-shaped placeholders identity must block
DEVICE_TYPES = ["desktop", "mobile", "tablet"]
OPT_IN_TRUE = ["true", "yes", "1", "Y", "TRUE"]
OPT_IN_FALSE = ["false", "no", "0", "N", "FALSE"]

# Defects injected as extra rows, one per row: (reason the staging layer must give, weight).
EVENT_DEFECTS = [
    "event_id_missing",
    "event_type_unknown",
    "occurred_at_unparseable",
    "occurred_at_in_future",
    "occurred_at_before_min",
    "identifier_missing",
    "email_invalid",
    "price_unparseable",
    "price_out_of_range",
    "quantity_unparseable",
    "quantity_out_of_range",
]
CONTACT_DEFECTS = [
    "contact_id_missing",
    "email_invalid",
    "phone_invalid",
    "updated_at_unparseable",
    "birth_date_unparseable",
    "email_opt_in_unparseable",
]
TRANSACTION_DEFECTS = [
    "transaction_id_missing",
    "ordered_at_unparseable",
    "ordered_at_in_future",
    "status_unknown",
    "currency_invalid",
    "amount_unparseable",
    "amount_out_of_range",
    "item_count_unparseable",
    "identifier_missing",
    "email_invalid",
    "phone_invalid",
]
PRIVACY_DEFECTS = [
    "request_id_missing",
    "identifier_type_unknown",
    "identifier_value_invalid",
    "request_type_unknown",
    "requested_at_unparseable",
]
CONSENT_DEFECTS = [
    "identifier_type_unknown",
    "identifier_value_invalid",
    "purpose_unknown",
    "status_unknown",
    "recorded_at_unparseable",
]
# How consent platforms name the purposes and the decisions (var unified_segments_consent_purposes
# maps the names; staging reads the spellings).
CONSENT_PURPOSE_NAMES = {
    "email_marketing": ["email_marketing", "Newsletter", "Marketing Emails"],
    "ad_targeting": ["ad_targeting", "Advertising", "C0004", "targeting"],
    "analytics": ["analytics", "Statistics", "C0002"],
}
CONSENT_STATUSES = {
    "granted": ["granted", "accepted", "true", "Opt-In"],
    "withdrawn": ["withdrawn", "denied", "false", "opt_out"],
}
# Of those, the defects that cost only the value (reason -> raw column): staging keeps the row,
# nulls the value and lists it in stg_field_issues. The others quarantine the row.
FIELD_DEFECTS = {
    "events": {
        "email_invalid": "email",
        "price_unparseable": "price",
        "price_out_of_range": "price",
        "quantity_unparseable": "quantity",
        "quantity_out_of_range": "quantity",
    },
    "crm_contacts": {
        "email_invalid": "email",
        "phone_invalid": "phone",
        "birth_date_unparseable": "birth_date",
        "email_opt_in_unparseable": "email_opt_in",
    },
    "transactions": {
        "currency_invalid": "currency",
        "item_count_unparseable": "item_count",
        "email_invalid": "email",
        "phone_invalid": "phone",
    },
    "privacy_requests": {"requested_at_unparseable": "requested_at"},
    "consent_records": {"recorded_at_unparseable": "recorded_at"},
}
MALFORMED_EMAILS = ["john.smith@", "john smith@example.com", "jo@@example.com", "@example.com", "n/a", "jane.example.com"]
MALFORMED_PHONES = ["12345", "call me", "+44", "n/a", "9"]


# --------------------------------------------------------------------------------------------
# Column buffers: plain lists per column, turned into Arrow tables once per chunk.


class Rows:
    """Append-only column buffer for one raw table (values are Python scalars or None)."""

    def __init__(self, columns: list[str]):
        self.columns = {name: [] for name in columns}

    def add(self, **values) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name))

    def last(self) -> dict:
        return {name: column[-1] for name, column in self.columns.items()}

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_arrow(self, types: dict[str, pa.DataType]) -> pa.Table:
        return pa.table({n: pa.array(v, type=types.get(n, pa.string())) for n, v in self.columns.items()})


# Timestamps and numbers are kept as numbers here and formatted as text by DuckDB per chunk
# (vectorised); a defect row sets the *_bad column, which then replaces the formatted text.
EVENT_COLUMNS = [
    "event_id",
    "event_type",
    "occurred_ms",
    "tz_offset_minutes",
    "occurred_at_bad",
    "anonymous_id",
    "user_id",
    "email",
    "session_id",
    "page_url",
    "product_id",
    "product_category",
    "price",
    "price_bad",
    "quantity",
    "quantity_bad",
    "device_type",
    "utm_source",
    "loaded_ms",
    "is_bad",
]
CONTACT_COLUMNS = [
    "contact_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "city",
    "postal_code",
    "country",
    "address_line",
    "email_opt_in",
    "loyalty_tier",
    "created_ms",
    "updated_ms",
    "updated_at_bad",
    "loaded_ms",
]
TRANSACTION_COLUMNS = [
    "transaction_id",
    "customer_id",
    "email",
    "phone",
    "ordered_ms",
    "ordered_at_bad",
    "status",
    "currency",
    "amount",
    "amount_bad",
    "item_count",
    "item_count_bad",
    "channel",
    "address_line",
    "postal_code",
    "loaded_ms",
]
PRIVACY_COLUMNS = [
    "request_id",
    "identifier_type",
    "identifier_value",
    "request_type",
    "requested_ms",
    "requested_at_bad",
    "loaded_ms",
]
CONSENT_COLUMNS = [
    "record_id",
    "identifier_type",
    "identifier_value",
    "purpose",
    "status",
    "recorded_ms",
    "recorded_at_bad",
    "collection_point",
    "loaded_ms",
]
NUMERIC_TYPES = {
    "occurred_ms": pa.int64(),
    "tz_offset_minutes": pa.int32(),
    "loaded_ms": pa.int64(),
    "price": pa.float64(),
    "quantity": pa.int64(),
    "created_ms": pa.int64(),
    "updated_ms": pa.int64(),
    "ordered_ms": pa.int64(),
    "amount": pa.float64(),
    "item_count": pa.int64(),
    "requested_ms": pa.int64(),
    "recorded_ms": pa.int64(),
    "is_bad": pa.bool_(),
}

# DuckDB turns the numeric buffers into the raw landing contract: text columns plus loaded_at.
ISO_MS = "strftime(epoch_ms({c}), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'"
FORMAT_SQL = {
    "events": f"""
        select event_id, event_type,
            case when occurred_at_bad is not null or occurred_ms is null then occurred_at_bad
                 when tz_offset_minutes = 0 then {ISO_MS.format(c="occurred_ms")}
                 else strftime(epoch_ms(occurred_ms + tz_offset_minutes * 60000), '%Y-%m-%dT%H:%M:%S')
                      || case when tz_offset_minutes > 0 then '+' else '-' end
                      || lpad((abs(tz_offset_minutes) // 60)::varchar, 2, '0') || ':'
                      || lpad((abs(tz_offset_minutes) % 60)::varchar, 2, '0')
            end as occurred_at,
            anonymous_id, user_id, email, session_id, page_url, product_id, product_category,
            coalesce(price_bad, printf('%.2f', price)) as price,
            coalesce(quantity_bad, quantity::varchar) as quantity,
            device_type, utm_source, epoch_ms(loaded_ms) as loaded_at
        from buffer""",
    "crm_contacts": """
        select contact_id, email, phone, first_name, last_name, birth_date, gender, city,
            postal_code, country, email_opt_in, loyalty_tier, address_line,
            strftime(epoch_ms(created_ms), '%Y-%m-%d %H:%M:%S') as created_at,
            coalesce(updated_at_bad, strftime(epoch_ms(updated_ms), '%Y-%m-%d %H:%M:%S')) as updated_at,
            epoch_ms(loaded_ms) as loaded_at
        from buffer""",
    "transactions": """
        select transaction_id, customer_id, email, phone,
            coalesce(ordered_at_bad, strftime(epoch_ms(ordered_ms), '%Y-%m-%dT%H:%M:%S') || 'Z') as ordered_at,
            status, currency,
            coalesce(amount_bad, printf('%.2f', amount)) as amount,
            coalesce(item_count_bad, item_count::varchar) as item_count,
            channel, address_line, postal_code, epoch_ms(loaded_ms) as loaded_at
        from buffer""",
    "privacy_requests": f"""
        select request_id, identifier_type, identifier_value, request_type,
            coalesce(requested_at_bad, {ISO_MS.format(c="requested_ms")}) as requested_at,
            epoch_ms(loaded_ms) as loaded_at
        from buffer""",
    "consent_records": f"""
        select record_id, identifier_type, identifier_value, purpose, status,
            coalesce(recorded_at_bad, {ISO_MS.format(c="recorded_ms")}) as recorded_at,
            collection_point, epoch_ms(loaded_ms) as loaded_at
        from buffer""",
}


# --------------------------------------------------------------------------------------------
# Small helpers.


def phone_formats(country: str, nsn: str) -> list[str]:
    """Ways people write the same number; each normalises to +<code><nsn> given the country."""
    code = COUNTRIES[country][1]
    if country == "US":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        return [f"+1 ({a}) {b}-{c}", f"{a}-{b}-{c}", f"({a}) {b} {c}", f"1-{a}-{b}-{c}", f"{a}.{b}.{c}"]
    head, tail = nsn[:4], nsn[4:]
    return [
        f"+{code} {head} {tail}",
        f"0{head} {tail}",
        f"00{code} {head}{tail}",
        f"+{code} (0){head} {tail}",
        f"0{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}",
    ]


def national_number(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    if country == "GB":
        return f"7{rng.randint(100_000_000, 999_999_999)}"
    if country == "DE":
        return f"15{rng.randint(100_000_000, 999_999_999)}"
    if country == "IE":
        return f"8{rng.randint(3, 9)}{rng.randint(1_000_000, 9_999_999)}"
    return f"6{rng.randint(10_000_000, 99_999_999)}"  # FR, NL mobiles


def weighted(rng: random.Random, table: dict):
    names = list(table)
    return rng.choices(names, weights=[table[n][0] if isinstance(table[n], tuple) else table[n].share for n in names])[0]


def messy_case(rng: random.Random, value: str) -> str:
    """How a form or CRM import mangles a clean email: case and stray whitespace."""
    roll = rng.random()
    if roll < 0.15:
        return value.upper()
    if roll < 0.35:
        return value.title()
    if roll < 0.50:
        return f"  {value} "
    return value


def uk_postcode(rng: random.Random) -> str:
    area = f"{rng.choice('ABCDEFGHJKLMNPRSTW')}{rng.randint(1, 99)}"
    return f"{area} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"


def street_address(rng: random.Random) -> str:
    return f"{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(list(STREET_SUFFIXES))}"


def misspell(rng: random.Random, word: str) -> str:
    """One typing slip inside the word: a letter dropped, doubled, swapped with the next, or a vowel changed."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice([v for v in "aeiouy" if v != word[i].lower()]) + word[i + 1 :]


def transposed_date(rng: random.Random, iso: str) -> str:
    """A birth date typed with two digits swapped: the year's last two, the day's, or day and month."""
    year, month, day = iso.split("-")
    options = [f"{year[:2]}{year[3]}{year[2]}-{month}-{day}"]
    if 1 <= int(day[::-1]) <= 28 and day[0] != day[1]:
        options.append(f"{year}-{month}-{day[::-1]}")
    if int(day) <= 12 and day != month:
        options.append(f"{year}-{day}-{month}")
    return rng.choice(options)


def uuid_text(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --------------------------------------------------------------------------------------------
# One chunk of people.


class ChunkWriter:
    """Simulates one chunk of people into the four raw tables and the ground truth."""

    def __init__(self, seed: int, chunk: int, first_person: int, people: int, as_of: date, bad_share: float, typo_share: float):
        self.rng = random.Random(f"{seed}:{chunk}")
        # Addresses and typo'd duplicates draw from their own stream.
        self.match_rng = random.Random(f"{seed}:{chunk}:matching")
        self.typo_share = typo_share
        self.seed = seed
        self.first_person = first_person
        self.people = people
        self.as_of_ms = int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp() * 1000)
        self.bad_share = bad_share
        self.events = Rows(EVENT_COLUMNS)
        self.contacts = Rows(CONTACT_COLUMNS)
        self.transactions = Rows(TRANSACTION_COLUMNS)
        self.privacy = Rows(PRIVACY_COLUMNS)
        self.consents = Rows(CONSENT_COLUMNS)
        # Consent decisions draw from their own stream, so they leave every other table as it was.
        self.consent_rng = random.Random(f"{seed}:{chunk}:consent")
        self.identifiers: list[tuple[str, str, str]] = []  # (type, normalised value, person_key)
        self.people_rows: list[dict] = []
        self.expected = {t: Counter() for t in RAW_TABLES}
        self.shared_device: str | None = None  # handed from one person to the next (a household)

    # -- identity of one person ---------------------------------------------------------------

    def make_person(self, index: int) -> dict:
        rng = self.rng
        persona_name = weighted(rng, PERSONAS)
        persona = PERSONAS[persona_name]
        country = weighted(rng, COUNTRIES)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        style = rng.randrange(3)
        local = [f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}"][style].lower()
        email = f"{local}{index}@{rng.choice(EMAIL_DOMAINS)}"
        second_email = f"{first[0].lower()}.{last.lower()}{index}@work{index % 997}.example.com" if rng.random() < 0.15 else None
        nsn = national_number(rng, country) if rng.random() < 0.75 else None
        person = {
            "person_key": f"tp_{index:08d}",
            "index": index,
            "persona": persona_name,
            "persona_def": persona,
            "country": country,
            "first_name": first,
            "last_name": last,
            "email": email,
            "second_email": second_email,
            "nsn": nsn,
            "phone_e164": f"+{COUNTRIES[country][1]}{nsn}" if nsn else None,
            "registered": rng.random() < persona.registered,
            "user_id": "u_" + hashlib.blake2b(f"{self.seed}:{index}".encode(), digest_size=6).hexdigest(),
            "devices": [f"anon-{uuid_text(rng)}" for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))],
        }
        # Households: about 2% of people also use a device the previous person uses.
        if self.shared_device and rng.random() < 0.5:
            person["devices"].append(self.shared_device)
            self.shared_device = None
        elif rng.random() < 0.02:
            self.shared_device = person["devices"][0]
        return person

    def own(self, person: dict, id_type: str, value: str | None) -> None:
        if value:
            self.identifiers.append((id_type, value, person["person_key"]))

    # -- behaviour ----------------------------------------------------------------------------

    def simulate_person(self, index: int) -> None:
        rng = self.rng
        p = self.make_person(index)
        p["address_line"] = street_address(self.match_rng)
        p["postal_code"] = uk_postcode(self.match_rng) if p["country"] == "GB" else f"{self.match_rng.randint(10000, 99999)}"
        persona: Persona = p["persona_def"]
        oldest, newest = persona.active_days_ago
        n_sessions = rng.randint(*persona.sessions)
        starts = sorted(
            self.as_of_ms - int(rng.uniform(newest, oldest) * MS_PER_DAY) - rng.randrange(3_600_000) for _ in range(n_sessions)
        )
        # Sign-up: inside the window for new sign-ups and for some others, else before it.
        signup_session = None
        if p["registered"] and starts and (p["persona"] == "new_signup" or rng.random() < 0.3):
            signup_session = 0 if p["persona"] == "new_signup" else rng.randrange(len(starts))
        signed_up_ms = (
            starts[signup_session]
            if signup_session is not None
            else (self.as_of_ms - (WINDOW_DAYS + rng.randint(1, 900)) * MS_PER_DAY if p["registered"] else None)
        )
        p["signup_ms"] = signed_up_ms
        orders = 0
        for number, start in enumerate(starts):
            orders += self.simulate_session(p, start, number == signup_session, start > (signed_up_ms or 1 << 62))
        # Store orders for repeat buyers: no web session behind them.
        if p["persona"] == "repeat_buyer":
            for _ in range(rng.randint(0, 3)):
                when = self.as_of_ms - rng.randrange(WINDOW_DAYS * MS_PER_DAY)
                self.add_order(p, when, rng.uniform(20, 250), rng.randint(1, 4), "store", logged_in=p["registered"])
                orders += 1
        self.simulate_emails(p)
        self.simulate_contact(p)
        self.simulate_privacy(p)
        self.simulate_consents(p)
        for id_type, key in (("email", "email"), ("phone", "phone_e164")):
            if p.get(f"used_{key}"):
                self.own(p, id_type, p[key])
        if p.get("used_second_email"):
            self.own(p, "email", p["second_email"])
        if p.get("used_user_id"):
            self.own(p, "user_id", p["user_id"])
        for device in p.get("used_devices", ()):
            self.own(p, "anonymous_id", device)
        self.people_rows.append(
            {
                "person_key": p["person_key"],
                "persona": p["persona"],
                "country": p["country"],
                "is_registered": p["registered"],
                "signed_up_at_ms": signed_up_ms,
                "sessions": n_sessions,
                "orders": orders,
                "has_crm_contact": bool(p.get("contact_id")),
                "has_typo_duplicate": bool(p.get("typo_contact_id")),
                "erasure_requested": bool(p.get("erased")),
                "marketing_opt_out_requested": bool(p.get("opted_out")),
            }
        )

    def emit(
        self,
        p: dict,
        event_type: str,
        ms: int,
        device: str,
        session: str,
        *,
        logged_in: bool,
        email: str | None = None,
        url: str = "/",
        product: tuple | None = None,
        quantity: int | None = None,
        utm: str | None = None,
        device_type: str = "desktop",
    ) -> None:
        rng = self.rng
        late = rng.random() < 0.03
        delay = rng.randint(1, 5) * MS_PER_DAY + rng.randrange(MS_PER_DAY) if late else rng.randint(2_000, 20 * MS_PER_MINUTE)
        if late:
            self.expected["events"]["late_arrival"] += 1
        if device:
            p.setdefault("used_devices", set()).add(device)
        if logged_in:
            p["used_user_id"] = True
        self.events.add(
            event_id=uuid_text(rng),
            event_type=event_type,
            occurred_ms=ms,
            tz_offset_minutes=rng.choice((60, 120, -300)) if rng.random() < 0.1 else 0,
            anonymous_id=device,
            user_id=p["user_id"] if logged_in else None,
            email=email,
            session_id=session,
            page_url=f"https://shop.example.com{url}",
            product_id=product[0] if product else None,
            product_category=product[1] if product else None,
            price=product[2] if product else None,
            quantity=quantity,
            device_type=device_type,
            utm_source=utm,
            loaded_ms=ms + delay,
            is_bad=False,
        )
        self.expected["events"]["staged"] += 1
        if rng.random() < 0.02:  # at-least-once delivery: the same event again, later or at once
            again = dict(self.events.last(), loaded_ms=ms + delay + rng.choice((0, rng.randrange(6 * 3_600_000))))
            self.events.add(**again)
            self.expected["events"]["duplicate_delivery"] += 1
        if rng.random() < self.bad_share:
            self.add_bad_event(self.events.last())

    def pick_product(self, p: dict) -> tuple[str, str, float]:
        rng = self.rng
        taste = p["persona_def"].taste
        if taste == "luxury" and rng.random() < 0.7:
            category = rng.choice(LUXURY)
        elif taste == "sale" and rng.random() < 0.7:
            category = "sale"
        else:
            category = rng.choice(REGULAR) if rng.random() < 0.9 else rng.choice(list(CATEGORIES))
        n = rng.randrange(PRODUCTS_PER_CATEGORY)
        low, high, _ = CATEGORIES[category]
        price = round(low + (high - low) * ((n * 7919) % 1000) / 1000, 2)
        return f"{category[:3].upper()}-{n:04d}", category, price

    def simulate_session(self, p: dict, start: int, is_signup: bool, after_signup: bool) -> int:
        rng = self.rng
        persona: Persona = p["persona_def"]
        device = rng.choice(p["devices"])
        device_type = rng.choice(DEVICE_TYPES)
        session = f"s-{rng.getrandbits(64):016x}"
        logged_in = after_signup and rng.random() < 0.85
        utm = "deals" if persona.taste == "sale" and rng.random() < 0.5 else rng.choice((None, None, None, "google", "facebook"))
        t = start
        kw = dict(device_type=device_type)
        self.emit(p, "page_view", t, device, session, logged_in=logged_in, url="/", utm=utm, **kw)
        if logged_in:
            t += rng.randint(5_000, 60_000)
            # A login is an identify call; trackers usually send the account's email as a trait.
            email = p["email"] if rng.random() < 0.6 else None
            if email:
                p["used_email"] = True
            self.emit(p, "login", t, device, session, logged_in=True, url="/account/login", email=email, **kw)
        cart: list[tuple] = []
        for step in range(rng.randint(2 if is_signup else 1, 5)):
            t += rng.randint(10_000, 240_000)
            if is_signup and step == 1:
                self.emit(
                    p,
                    "signup",
                    t,
                    device,
                    session,
                    logged_in=True,
                    url="/account/signup",
                    email=p["email"] if rng.random() < 0.9 else messy_case(rng, p["email"]),
                    **kw,
                )
                p["used_email"] = True
                logged_in = True
                continue
            roll = rng.random()
            if roll < 0.6:
                product = self.pick_product(p)
                self.emit(
                    p, "product_view", t, device, session, logged_in=logged_in, url=f"/p/{product[0]}", product=product, **kw
                )
                if rng.random() < persona.cart_rate / 2:
                    t += rng.randint(5_000, 60_000)
                    quantity = rng.choice((1, 1, 1, 2, 3))
                    self.emit(
                        p,
                        "add_to_cart",
                        t,
                        device,
                        session,
                        logged_in=logged_in,
                        url=f"/p/{product[0]}",
                        product=product,
                        quantity=quantity,
                        **kw,
                    )
                    cart.append((product, quantity))
            elif roll < 0.85:
                self.emit(p, "page_view", t, device, session, logged_in=logged_in, url=f"/c/{self.pick_product(p)[1]}", **kw)
            else:
                self.emit(
                    p,
                    "search",
                    t,
                    device,
                    session,
                    logged_in=logged_in,
                    url="/search?q=" + rng.choice(("gift", "shoes", "watch", "lamp", "sale")),
                    **kw,
                )
        if not cart and rng.random() < persona.cart_rate:
            t += rng.randint(10_000, 120_000)
            product = self.pick_product(p)
            self.emit(
                p,
                "add_to_cart",
                t,
                device,
                session,
                logged_in=logged_in,
                url=f"/p/{product[0]}",
                product=product,
                quantity=1,
                **kw,
            )
            cart.append((product, 1))
        if cart and rng.random() < 0.15:
            t += rng.randint(5_000, 60_000)
            product, quantity = cart.pop()
            self.emit(
                p,
                "remove_from_cart",
                t,
                device,
                session,
                logged_in=logged_in,
                url="/cart",
                product=product,
                quantity=quantity,
                **kw,
            )
        if not cart or rng.random() >= persona.purchase_rate:
            return 0
        t += rng.randint(20_000, 300_000)
        # A guest identifies at checkout with an email; a signed-in shopper is known by user_id.
        guest_email = None
        if not logged_in:
            guest_email = JUNK_EMAILS[rng.randrange(3)] if rng.random() < 0.01 else messy_case(rng, p["email"])
            if guest_email not in JUNK_EMAILS:
                p["used_email"] = True
        self.emit(p, "checkout_started", t, device, session, logged_in=logged_in, url="/checkout", email=guest_email, **kw)
        for product, quantity in cart:
            t += rng.randint(1_000, 5_000)
            self.emit(
                p,
                "purchase",
                t,
                device,
                session,
                logged_in=logged_in,
                url="/checkout/complete",
                product=product,
                quantity=quantity,
                **kw,
            )
        amount = sum(product[2] * quantity for product, quantity in cart)
        self.add_order(p, t, amount, sum(q for _, q in cart), "web", logged_in=logged_in, guest_email=guest_email)
        return 1

    def add_order(
        self, p: dict, ms: int, amount: float, items: int, channel: str, *, logged_in: bool, guest_email: str | None = None
    ) -> None:
        rng = self.rng
        status = rng.choices(("completed", "cancelled"), weights=(0.95, 0.05))[0]
        email = guest_email if not logged_in else (p["email"] if rng.random() < 0.8 else None)
        if logged_in and email:
            p["used_email"] = True
        phone = None
        if p["nsn"] and rng.random() < 0.5:
            if not logged_in and rng.random() < 0.01:
                phone = rng.choice(JUNK_PHONES)
            else:
                national = p["country"] == "GB" and rng.random() < 0.5
                phone = phone_formats("GB", p["nsn"])[1] if national else f"+{COUNTRIES[p['country']][1]} {p['nsn']}"
                p["used_phone_e164"] = True
        if not logged_in and not email and not phone:
            email = messy_case(rng, p["email"])  # a guest checkout always leaves a contact
            p["used_email"] = True
        if logged_in:
            p["used_user_id"] = True
        transaction_id = f"T{rng.getrandbits(48):012x}"
        loaded = ms + rng.randint(MS_PER_MINUTE, 3_600_000)
        row = dict(
            transaction_id=transaction_id,
            customer_id=p["user_id"] if logged_in else None,
            email=email,
            phone=phone,
            ordered_ms=ms,
            status=status,
            currency=COUNTRIES[p["country"]][2],
            amount=round(amount, 2),
            item_count=items,
            channel=channel,
            address_line=p["address_line"] if self.match_rng.random() < 0.7 else None,  # shipping address
            postal_code=p["postal_code"] if self.match_rng.random() < 0.8 else None,
            loaded_ms=loaded,
        )
        self.transactions.add(**row)
        self.expected["transactions"]["staged"] += 1
        if rng.random() < 0.01:  # the shop re-exports a transaction: the later copy wins
            self.transactions.add(**dict(row, loaded_ms=loaded + rng.randint(1, 48) * 3_600_000))
            self.expected["transactions"]["superseded_version"] += 1
        if status == "completed" and rng.random() < 0.06:  # a refund is its own negative row
            refund_ms = ms + rng.randint(1, 20) * MS_PER_DAY
            if refund_ms < self.as_of_ms:
                share = rng.choice((1.0, 0.5, 0.25))
                self.transactions.add(
                    **dict(
                        row,
                        transaction_id=transaction_id + "-R",
                        ordered_ms=refund_ms,
                        status="refunded",
                        amount=-round(amount * share, 2),
                        loaded_ms=refund_ms + 3_600_000,
                    )
                )
                self.expected["transactions"]["staged"] += 1
        if rng.random() < self.bad_share:
            self.add_bad_transaction(self.transactions.last())

    def simulate_emails(self, p: dict) -> None:
        rng = self.rng
        opens = int(p["persona_def"].emails_per_month * WINDOW_DAYS / 30 * rng.uniform(0.3, 1.0))
        if opens == 0:
            return
        p["used_email"] = True
        for _ in range(opens):
            ms = self.as_of_ms - rng.randrange(WINDOW_DAYS * MS_PER_DAY)
            # The email platform knows only the address; a click lands on the site with a device.
            self.emit(p, "email_open", ms, None, None, logged_in=False, email=p["email"], url="/email/open", device_type=None)
            if rng.random() < 0.25:
                device = rng.choice(p["devices"])
                self.emit(
                    p,
                    "email_click",
                    ms + rng.randint(10_000, 600_000),
                    device,
                    f"s-{rng.getrandbits(64):016x}",
                    logged_in=False,
                    email=p["email"],
                    url="/?utm_source=newsletter",
                    utm="newsletter",
                )

    def simulate_contact(self, p: dict) -> None:
        rng = self.rng
        in_crm = p["persona"] == "email_subscriber" or rng.random() < (0.6 if p["registered"] else 0.25)
        if not in_crm:
            return
        country = p["country"]
        contact_id = f"C{1_000_000 + p['index']}"
        p["contact_id"] = contact_id
        self.own(p, "contact_id", contact_id)
        use_second = p["second_email"] and rng.random() < 0.7
        email = p["second_email"] if use_second else p["email"]
        p["used_second_email" if use_second else "used_email"] = True
        phone = None
        if p["nsn"] and rng.random() < 0.8:
            phone = rng.choice(phone_formats(country, p["nsn"]))
            p["used_phone_e164"] = True
        created = self.as_of_ms - rng.randint(10, 900) * MS_PER_DAY
        base = dict(
            contact_id=contact_id,
            email=messy_case(rng, email),
            phone=phone,
            first_name=p["first_name"],
            last_name=p["last_name"] if rng.random() < 0.95 else p["last_name"].upper(),
            birth_date=f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.7
            else None,
            gender=rng.choice(("female", "male", "Female", "MALE", "non-binary", None)),
            city=rng.choice(COUNTRIES[country][3]),
            postal_code=p["postal_code"],
            country=country if rng.random() < 0.9 else country.lower(),
            address_line=p["address_line"],
            created_ms=created,
        )
        updated = created
        versions = rng.choice((1, 1, 1, 2, 2, 3))
        for _ in range(versions):
            updated = min(updated + rng.randint(0, 200) * MS_PER_DAY + rng.randrange(MS_PER_DAY), self.as_of_ms - 3_600_000)
            opted = rng.random() < 0.6
            self.contacts.add(
                **base,
                email_opt_in=rng.choice(OPT_IN_TRUE if opted else OPT_IN_FALSE),
                loyalty_tier=rng.choice(("bronze", "silver", "gold", "platinum", None)),
                updated_ms=updated,
                loaded_ms=updated + rng.randint(1, 6) * 3_600_000,
            )
        self.expected["crm_contacts"]["staged"] += 1
        self.expected["crm_contacts"]["superseded_version"] += versions - 1
        if rng.random() < self.bad_share * 3:
            self.add_bad_contact(self.contacts.last())
        if self.match_rng.random() < self.typo_share:
            self.add_typo_duplicate(p, base)

    def add_typo_duplicate(self, p: dict, base: dict) -> None:
        """The same person entered again by hand (another store, another system): a new contact id
        and the details typed with slips; most have a new email or none and no phone, so no
        identifier links them to the first record."""
        rng = self.match_rng
        first, last = base["first_name"], p["last_name"]
        slip = rng.choice(("none", "none", "first", "last", "nickname", "swapped", "both"))
        if slip == "nickname" and first in NICKNAMES:
            first = NICKNAMES[first]
        elif slip == "swapped":
            first, last = last, first
        else:
            first = misspell(rng, first) if slip in ("first", "both", "nickname") else first
            last = misspell(rng, last) if slip in ("last", "both") else last
        birth_date = base["birth_date"]
        if birth_date and rng.random() < 0.5:
            birth_date = transposed_date(rng, birth_date) if rng.random() < 0.6 else None
        address = base["address_line"]
        roll = rng.random()
        if roll < 0.4:
            number, street, suffix = address.split(" ")
            address = f"{number} {street} {STREET_SUFFIXES[suffix]}"
        elif roll < 0.6:
            number, street, suffix = address.split(" ")
            address = f"{number} {misspell(rng, street) if len(street) > 3 else street} {suffix}"
        elif roll < 0.75:
            address = None
        postal_code = base["postal_code"]
        roll = rng.random()
        if roll < 0.15:
            postal_code = postal_code.replace(" ", "").lower()
        elif roll < 0.3:
            postal_code = None
        # A third keep the phone or email of the first record, so deterministic identity links
        # them: the labelled pairs that estimate the m probabilities of matching.
        keep = rng.random()
        phone = base["phone"] if keep < 0.25 else None
        if 0.25 <= keep < 0.35:
            email = base["email"]
        elif rng.random() < 0.8:
            email = f"{p['first_name'].lower()}{rng.randint(10, 99)}.{p['index']}@{rng.choice(EMAIL_DOMAINS)}"
        else:
            email = None
        contact_id = f"C{1_000_000 + p['index']}B"
        p["typo_contact_id"] = contact_id
        self.own(p, "contact_id", contact_id)
        self.own(p, "email", email.strip().lower() if email else None)
        created = self.as_of_ms - rng.randint(10, 900) * MS_PER_DAY
        self.contacts.add(
            **dict(
                base,
                contact_id=contact_id,
                email=email,
                phone=phone,
                first_name=first,
                last_name=last,
                birth_date=birth_date,
                city=base["city"] if rng.random() < 0.8 else None,
                postal_code=postal_code,
                address_line=address,
                created_ms=created,
            ),
            email_opt_in=rng.choice(OPT_IN_TRUE + OPT_IN_FALSE),
            loyalty_tier=None,
            updated_ms=created,
            loaded_ms=created + 3_600_000,
        )
        self.expected["crm_contacts"]["staged"] += 1

    def simulate_privacy(self, p: dict) -> None:
        rng = self.rng
        roll = rng.random()
        if roll >= 0.04:
            return
        request_type = "erasure" if roll < 0.01 else "marketing_opt_out"
        p["erased" if request_type == "erasure" else "opted_out"] = True
        known = [("email", messy_case(rng, p["email"]))]
        if p.get("used_phone_e164"):
            known.append(("phone", f"+{COUNTRIES[p['country']][1]} {p['nsn']}"))
        if p.get("used_user_id"):
            known.append(("user_id", p["user_id"]))
        if p.get("contact_id"):
            known.append(("contact_id", p["contact_id"]))
        id_type, value = rng.choice(known)
        requested = self.as_of_ms - rng.randrange(WINDOW_DAYS * MS_PER_DAY)
        row = dict(
            request_id=f"PR-{rng.getrandbits(40):010x}",
            identifier_type=id_type,
            identifier_value=value,
            request_type=request_type,
            requested_ms=requested,
            loaded_ms=requested + rng.randint(1, 24) * 3_600_000,
        )
        self.privacy.add(**row)
        self.expected["privacy_requests"]["staged"] += 1
        if rng.random() < 0.05:
            self.privacy.add(**dict(row, loaded_ms=row["loaded_ms"] + 3_600_000))
            self.expected["privacy_requests"]["duplicate_delivery"] += 1
        if rng.random() < self.bad_share * 5:
            self.add_bad_privacy(row)

    def simulate_consents(self, p: dict) -> None:
        """A cookie banner records ad targeting and analytics against a device; a preference centre
        records email marketing (and sometimes a later change of mind about ads) against the email."""
        rng = self.consent_rng
        decisions = []  # (identifier type, value, purpose, granted, ms, collection point)
        devices = sorted(p.get("used_devices", ()))
        if devices and rng.random() < 0.6:
            when = self.as_of_ms - rng.randrange(WINDOW_DAYS * MS_PER_DAY)
            device = rng.choice(devices)
            decisions.append(("anonymous_id", device, "ad_targeting", rng.random() < 0.7, when, "cookie_banner"))
            decisions.append(("anonymous_id", device, "analytics", rng.random() < 0.8, when, "cookie_banner"))
        if p.get("contact_id") and rng.random() < 0.4:
            when = self.as_of_ms - rng.randrange(WINDOW_DAYS * MS_PER_DAY)
            email = messy_case(rng, p["second_email"] if p.get("used_second_email") else p["email"])
            decisions.append(("email", email, "email_marketing", rng.random() < 0.8, when, "preference_centre"))
            if rng.random() < 0.3:
                decisions.append(("email", email, "ad_targeting", True, when, "preference_centre"))
                if rng.random() < 0.3:  # changed their mind about ads later
                    later = when + rng.randint(1, 20) * MS_PER_DAY
                    decisions.append(("email", email, "ad_targeting", False, min(later, self.as_of_ms - 1), "preference_centre"))
        for id_type, value, purpose, granted, when, collection_point in decisions:
            row = dict(
                record_id=f"CR-{rng.getrandbits(40):010x}",
                identifier_type=id_type,
                identifier_value=value,
                purpose=rng.choice(CONSENT_PURPOSE_NAMES[purpose]),
                status=rng.choice(CONSENT_STATUSES["granted" if granted else "withdrawn"]),
                recorded_ms=when,
                collection_point=collection_point,
                loaded_ms=when + rng.randint(1, 24) * 3_600_000,
            )
            self.consents.add(**row)
            self.expected["consent_records"]["staged"] += 1
            if rng.random() < 0.05:
                self.consents.add(**dict(row, loaded_ms=row["loaded_ms"] + 3_600_000))
                self.expected["consent_records"]["duplicate_delivery"] += 1
            if rng.random() < self.bad_share * 5:
                self.add_bad_consent(row)

    # -- defects: each an extra row with one fault, counted under the reason staging must give --

    def add_bad_event(self, good: dict) -> None:
        rng = self.rng
        reason = rng.choice(EVENT_DEFECTS)
        row = dict(good, event_id=uuid_text(rng), loaded_ms=good["loaded_ms"] + rng.randrange(3_600_000), is_bad=True)
        if reason == "event_id_missing":
            row["event_id"] = rng.choice((None, "", "  "))
        elif reason == "event_type_unknown":
            row["event_type"] = rng.choice(("pageview_v2", "tap", "Page Viewed", "experiment_exposure"))
        elif reason == "occurred_at_unparseable":
            row["occurred_at_bad"] = rng.choice(("not-a-timestamp", "2026-13-45T25:61:00Z", "yesterday", "31/10/2026 10:00"))
        elif reason == "occurred_at_in_future":
            row["occurred_ms"] = row["loaded_ms"] + rng.randint(2, 400) * MS_PER_DAY
            row["tz_offset_minutes"] = 0
        elif reason == "occurred_at_before_min":
            row["occurred_at_bad"] = rng.choice(("1970-01-01T00:00:00Z", "1900-01-01T00:00:00Z"))
        elif reason == "identifier_missing":
            row.update(anonymous_id=rng.choice((None, "")), user_id=None, email=None)
        elif reason == "email_invalid":
            row["email"] = rng.choice(MALFORMED_EMAILS)
        elif reason == "price_unparseable":
            row["price_bad"] = rng.choice(("12,99", "£15", "free", "1.2.3"))
        elif reason == "price_out_of_range":
            row["price_bad"] = rng.choice(("-5.00", "9999999.00", "-0.01"))
        elif reason == "quantity_unparseable":
            row["quantity_bad"] = rng.choice(("two", "1.5", "x"))
        elif reason == "quantity_out_of_range":
            row["quantity_bad"] = rng.choice(("0", "-1", "100000"))
        self.events.add(**row)
        if reason == "email_invalid" and not (row.get("anonymous_id") or row.get("user_id")):
            reason = "identifier_missing"  # the email was all it had: nulled, nothing says whose it is
        self.count_defect("events", reason)

    def add_bad_contact(self, good: dict) -> None:
        rng = self.rng
        reason = rng.choice(CONTACT_DEFECTS)
        row = dict(good, contact_id=f"C{rng.randint(90_000_000, 99_999_999)}")
        if reason == "contact_id_missing":
            row["contact_id"] = rng.choice((None, "", " "))
        elif reason == "email_invalid":
            row["email"] = rng.choice(MALFORMED_EMAILS)
        elif reason == "phone_invalid":
            row["phone"] = rng.choice(MALFORMED_PHONES)
        elif reason == "updated_at_unparseable":
            row["updated_at_bad"] = rng.choice(("last tuesday", "2026-02-30 10:00:00", "00/00/0000", "epoch"))
        elif reason == "birth_date_unparseable":
            row["birth_date"] = rng.choice(("31/02/1980", "unknown", "19800101x"))
        elif reason == "email_opt_in_unparseable":
            row["email_opt_in"] = rng.choice(("maybe", "unsubscribed?", "2"))
        self.contacts.add(**row)
        self.count_defect("crm_contacts", reason)

    def add_bad_transaction(self, good: dict) -> None:
        rng = self.rng
        reason = rng.choice(TRANSACTION_DEFECTS)
        row = dict(good, transaction_id=f"T{rng.getrandbits(48):012x}X")
        if reason == "transaction_id_missing":
            row["transaction_id"] = rng.choice((None, ""))
        elif reason == "ordered_at_unparseable":
            row["ordered_at_bad"] = rng.choice(("n/a", "2026-00-10T10:00:00Z", "soon", "infinity"))
        elif reason == "ordered_at_in_future":
            row["ordered_ms"] = row["loaded_ms"] + rng.randint(2, 300) * MS_PER_DAY
        elif reason == "status_unknown":
            row["status"] = rng.choice(("pending_review", "chargeback", ""))
        elif reason == "currency_invalid":
            row["currency"] = rng.choice(("pounds", "€", "US"))
        elif reason == "amount_unparseable":
            row["amount_bad"] = rng.choice(("12,50", "$20", "NaN-ish"))
        elif reason == "amount_out_of_range":
            row["amount_bad"] = rng.choice(("99999999.00", "-88888888.00"))
        elif reason == "item_count_unparseable":
            row["item_count_bad"] = rng.choice(("three", "2.5"))
        elif reason == "identifier_missing":
            row.update(customer_id=None, email=None, phone=rng.choice((None, "  ")))
        elif reason == "email_invalid":
            row["email"] = rng.choice(MALFORMED_EMAILS)
        elif reason == "phone_invalid":
            row["phone"] = rng.choice(MALFORMED_PHONES)
        self.transactions.add(**row)
        if reason == "identifier_missing":  # a sale with no identifier is still the store's revenue
            self.expected["transactions"]["staged"] += 1
        else:
            self.count_defect("transactions", reason)

    def add_bad_privacy(self, good: dict) -> None:
        rng = self.rng
        reason = rng.choice(PRIVACY_DEFECTS)
        row = dict(good, request_id=f"PR-{rng.getrandbits(40):010x}X")
        if reason == "request_id_missing":
            row["request_id"] = None
        elif reason == "identifier_type_unknown":
            row["identifier_type"] = rng.choice(("ssn", "cookie"))
        elif reason == "identifier_value_invalid":
            row.update(identifier_type="email", identifier_value=rng.choice(MALFORMED_EMAILS))
        elif reason == "request_type_unknown":
            row["request_type"] = rng.choice(("access", "delete_me_please"))
        elif reason == "requested_at_unparseable":
            row["requested_at_bad"] = "someday"
        self.privacy.add(**row)
        self.count_defect("privacy_requests", reason)

    def add_bad_consent(self, good: dict) -> None:
        rng = self.consent_rng
        reason = rng.choice(CONSENT_DEFECTS)
        row = dict(good, record_id=f"CR-{rng.getrandbits(40):010x}X")
        if reason == "identifier_type_unknown":
            row["identifier_type"] = rng.choice(("ssn", "cookie"))
        elif reason == "identifier_value_invalid":
            row.update(identifier_type="email", identifier_value=rng.choice(MALFORMED_EMAILS))
        elif reason == "purpose_unknown":
            row["purpose"] = rng.choice(("functional", "C0003", "misc"))
        elif reason == "status_unknown":
            row["status"] = rng.choice(("pending", "maybe"))
        elif reason == "recorded_at_unparseable":
            row["recorded_at_bad"] = "yesterday"
        self.consents.add(**row)
        self.count_defect("consent_records", reason)

    def count_defect(self, table: str, reason: str) -> None:
        column = FIELD_DEFECTS[table].get(reason)
        if column:
            self.expected[table]["staged"] += 1
            self.expected[table][f"field_issue:{column}:{reason}"] += 1
        else:
            self.expected[table][f"quarantined:{reason}"] += 1

    # -- output -----------------------------------------------------------------------------

    def run(self) -> None:
        for index in range(self.first_person, self.first_person + self.people):
            self.simulate_person(index)

    def write(self, con: duckdb.DuckDBPyConnection, out: Path, part: str) -> None:
        buffers = {
            "events": self.events,
            "crm_contacts": self.contacts,
            "transactions": self.transactions,
            "privacy_requests": self.privacy,
            "consent_records": self.consents,
        }
        for table, rows in buffers.items():
            con.register("buffer", rows.to_arrow(NUMERIC_TYPES))
            con.execute(f"copy ({FORMAT_SQL[table]}) to '{out / 'raw' / table / part}' (format parquet)")
            con.unregister("buffer")
        identifiers = pa.table(
            {
                "identifier_type": [i[0] for i in self.identifiers],
                "identifier_value": [i[1] for i in self.identifiers],
                "person_key": [i[2] for i in self.identifiers],
            }
        )
        con.register("buffer", identifiers)
        target = out / "ground_truth" / "identifiers" / part
        con.execute(f"copy (select distinct * from buffer order by all) to '{target}' (format parquet)")
        con.unregister("buffer")
        con.register("buffer", pa.Table.from_pylist(self.people_rows))
        con.execute(
            f"copy (select * exclude (signed_up_at_ms), epoch_ms(signed_up_at_ms) as signed_up_at from buffer) "
            f"to '{out / 'ground_truth' / 'people' / part}' (format parquet)"
        )
        con.unregister("buffer")


def expected_counts(totals: dict[str, Counter]) -> dict:
    """Per table: raw rows and how staging must split them (staged, quarantined by reason, removed)."""
    result = {}
    for table, counts in totals.items():
        quarantined = {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("quarantined:")}
        removed = {k: counts[k] for k in ("duplicate_delivery", "superseded_version") if counts[k]}
        field_issues = {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("field_issue:")}
        result[table] = {
            "raw_rows": counts["staged"] + sum(quarantined.values()) + sum(removed.values()),
            "staged": counts["staged"],
            "quarantined": quarantined,
            "field_issues": field_issues,  # "column:reason" -> staged rows with that bad value
            "removed": removed,
            **({"late_arrivals": counts["late_arrival"]} if counts["late_arrival"] else {}),
        }
    return result


def write_chunk(job: tuple) -> dict[str, Counter]:
    """Simulate and write one chunk (runs in a worker process); returns its expected counts."""
    out, seed, chunk, people, as_of, bad_share, typo_share = job
    first = chunk * CHUNK_PEOPLE
    writer = ChunkWriter(seed, chunk, first, min(CHUNK_PEOPLE, people - first), as_of, bad_share, typo_share)
    writer.run()
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'; set threads = 1")  # one thread keeps row order stable
    writer.write(con, out, f"part-{chunk:05d}.parquet")
    con.close()
    return writer.expected


def generate(
    out: Path,
    people: int,
    seed: int,
    as_of: date,
    bad_share: float,
    progress: bool = True,
    workers: int | None = None,
    typo_share: float = TYPO_SHARE,
) -> dict:
    if out.exists():
        shutil.rmtree(out)
    for sub in [*(f"raw/{t}" for t in RAW_TABLES), "ground_truth/identifiers", "ground_truth/people"]:
        (out / sub).mkdir(parents=True)
    jobs = [(out, seed, c, people, as_of, bad_share, typo_share) for c in range((people + CHUNK_PEOPLE - 1) // CHUNK_PEOPLE)]
    totals = {t: Counter() for t in RAW_TABLES}
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    # Each chunk has its own random stream and its own part files, so workers cannot change the data.
    with Pool(workers) if workers > 1 else _InProcess() as pool:
        for expected in track(pool.imap(write_chunk, jobs), len(jobs), "generating (chunks)", disable=not progress):
            for table in RAW_TABLES:
                totals[table].update(expected[table])
    metadata = {
        "seed": seed,
        "people": people,
        "as_of_date": as_of.isoformat(),
        "bad_row_share": bad_share,
        "typo_duplicate_share": typo_share,
        "expected": expected_counts(totals),
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


class _InProcess:
    """Stands in for a Pool when one worker is enough (no process start-up cost)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @staticmethod
    def imap(func, jobs):
        return map(func, jobs)


def main(
    out: Annotated[Path, typer.Option(help="output folder (replaced)")] = Path("data/sample"),
    people: Annotated[int, typer.Option(help="number of true people to simulate")] = 5_000,
    seed: Annotated[int, typer.Option(help="the random seed")] = 42,
    as_of: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="data ends on this date; match dbt var unified_segments_as_of_date")
    ] = datetime(2026, 11, 1),
    bad_share: Annotated[float, typer.Option(help="share of rows given one defect")] = 0.01,
    typo_share: Annotated[
        float, typer.Option(help="share of CRM contacts entered again with typos (ground truth knows)")
    ] = TYPO_SHARE,
    workers: Annotated[int | None, typer.Option(help="processes (default: all cores)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
) -> None:
    metadata = generate(out, people, seed, as_of.date(), bad_share, progress=not quiet, workers=workers, typo_share=typo_share)
    rows = {t: v["raw_rows"] for t, v in metadata["expected"].items()}
    print(f"wrote {out}: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))


if __name__ == "__main__":  # run as a file, python scripts/generate_data.py: the same command as in unified-segments
    typer.run(main)
