"""Staging on hand-written raw rows: every quarantine reason, and normalisation case by case.

Each bad row breaks exactly one rule and carries a marker column naming its case, so the test can
find it in the quarantine whatever else is wrong with it (its key may be the very thing missing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import NOT_A_LIVE_FEED, PROJECT_DIR, dbt, load, query, write_csv
from unified_segments.load_raw import RAW_CONTRACT

LOADED = "2026-10-31 12:00:00"

GOOD_EVENT = {"event_type": "page_view", "occurred_at": "2026-10-30T10:00:00Z", "anonymous_id": "anon-1", "loaded_at": LOADED}
EVENT_CASES = {  # reason -> what breaks; the marker is session_id
    "event_id_missing": {"event_id": " "},
    "event_type_unknown": {"event_type": "tap"},
    "occurred_at_unparseable": {"occurred_at": "yesterday"},
    "occurred_at_before_min": {"occurred_at": "1970-01-01T00:00:00Z"},
    "occurred_at_in_future": {"occurred_at": "2026-12-25T00:00:00Z"},
    "identifier_missing": {"anonymous_id": None},
}

GOOD_CONTACT = {"email": "ok@example.com", "country": "GB", "updated_at": "2026-10-01 10:00:00", "loaded_at": LOADED}
CONTACT_CASES = {  # marker is first_name
    "contact_id_missing": {"contact_id": None},
    "updated_at_unparseable": {"updated_at": "epoch"},
    "updated_at_in_future": {"updated_at": "2027-01-01 00:00:00"},
}

GOOD_TRANSACTION = {
    "customer_id": "u1",
    "ordered_at": "2026-10-30T10:00:00Z",
    "status": "completed",
    "currency": "GBP",
    "amount": "10.00",
    "item_count": "1",
    "loaded_at": LOADED,
}
TRANSACTION_CASES = {  # marker is channel
    "transaction_id_missing": {"transaction_id": ""},
    "ordered_at_unparseable": {"ordered_at": "infinity"},
    "ordered_at_before_min": {"ordered_at": "1999-12-31T23:59:59Z"},
    "ordered_at_in_future": {"ordered_at": "2026-11-30T00:00:00Z"},
    "status_unknown": {"status": "pending_review"},
    "amount_unparseable": {"amount": "$20"},
    "amount_out_of_range": {"amount": "-5.00"},  # negative, but not a refund
}

GOOD_REQUEST = {
    "identifier_type": "user_id",
    "request_type": "erasure",
    "requested_at": "2026-10-30T10:00:00Z",
    "loaded_at": LOADED,
}
REQUEST_CASES = {  # marker is identifier_value (user ids are free text)
    "request_id_missing": {"request_id": None},
    "identifier_type_unknown": {"identifier_type": "cookie"},
    "identifier_value_invalid": {"identifier_type": "email", "identifier_value": "@example.com"},
    "request_type_unknown": {"request_type": "access"},
}

GOOD_CONSENT = {
    "identifier_type": "email",
    "identifier_value": "ok@example.com",
    "purpose": "email_marketing",
    "status": "granted",
    "recorded_at": "2026-10-30T10:00:00Z",
    "loaded_at": LOADED,
}
CONSENT_CASES = {  # marker is collection_point
    "identifier_type_unknown": {"identifier_type": "ssn"},
    "identifier_value_invalid": {"identifier_value": "@example.com"},
    "purpose_unknown": {"purpose": "functional"},  # a purpose the var does not name: not silently dropped
    "status_unknown": {"status": "pending"},
}
# (purpose, status) as consent platforms export them -> as staged
CONSENT_SPELLINGS = [
    (("Email Marketing", "Accepted"), ("email_marketing", "granted")),
    (("newsletter", "TRUE"), ("email_marketing", "granted")),
    (("C0004", "denied"), ("ad_targeting", "withdrawn")),
    (("Targeted-Advertising", "Opt-Out"), ("ad_targeting", "withdrawn")),
    ((" Statistics ", "0"), ("analytics", "withdrawn")),
    (("analytics", "opted_in"), ("analytics", "granted")),
]

# A bad optional value costs that value, never the row: reason -> (raw column, the bad value). The
# row is staged with the value null, and stg_field_issues lists it.
FIELD_CASES = {
    "events": {
        "email_invalid": ("email", "jo@@example.com"),
        "price_unparseable": ("price", "12,99"),
        "price_out_of_range": ("price", "-1"),
        "quantity_unparseable": ("quantity", "1.5"),
        "quantity_out_of_range": ("quantity", "0"),
    },
    "crm_contacts": {
        "created_at_unparseable": ("created_at", "2026-02-30 10:00:00"),
        "email_invalid": ("email", "h.b@jnkinszbi."),
        "phone_invalid": ("phone", "call me"),
        "birth_date_unparseable": ("birth_date", "1954-51-29"),
        "birth_date_out_of_range": ("birth_date", "1066-10-14"),
        "email_opt_in_unparseable": ("email_opt_in", "maybe"),
        "country_invalid": ("country", "United Kingdom"),
        "postal_code_invalid": ("postal_code", "n/a!"),
    },
    "transactions": {
        "currency_invalid": ("currency", "pounds"),
        "item_count_unparseable": ("item_count", "2.5"),
        "email_invalid": ("email", "john smith@example.com"),
        "phone_invalid": ("phone", "12345"),
        "postal_code_invalid": ("postal_code", "SW1A 1AA 1AA 1AA"),
    },
    "privacy_requests": {"requested_at_unparseable": ("requested_at", "someday")},
    "consent_records": {"recorded_at_unparseable": ("recorded_at", "yesterday")},
}
FIELD_GOOD = {
    "events": GOOD_EVENT,
    "crm_contacts": GOOD_CONTACT,
    "transactions": GOOD_TRANSACTION,
    "privacy_requests": {**GOOD_REQUEST, "identifier_value": "u1"},  # the customer of the good transactions
    "consent_records": GOOD_CONSENT,
}
FIELD_KEYS = {
    "events": "event_id",
    "crm_contacts": "contact_id",
    "transactions": "transaction_id",
    "privacy_requests": "request_id",
    "consent_records": "record_id",
}
SOURCE_TABLES = {
    "events": "tracking.events",
    "crm_contacts": "crm.crm_contacts",
    "transactions": "shop.transactions",
    "privacy_requests": "privacy.privacy_requests",
    "consent_records": "privacy.consent_records",
}

# Email as typed -> as staged (None: nulled, listed as email_invalid).
EMAIL_CASES = [
    (" Ann.Lee@Example.COM ", "ann.lee@example.com"),
    ("BOB+news@Mail.co.uk", "bob+news@mail.co.uk"),
    ("first_last@sub.domain.org", "first_last@sub.domain.org"),
    ("x-y@my-shop.io", "x-y@my-shop.io"),
    ("john.smith@", None),
    ("john smith@example.com", None),
    ("jo@@example.com", None),
    ("@example.com", None),
    ("a..b@example.com", None),
    (".a@example.com", None),
    ("a@example", None),
    ("n/a", None),
]

# Phone as typed, the contact's country -> E.164 (None: nulled, listed as phone_invalid).
PHONE_CASES = [
    ("+44 7911 123456", "GB", "+447911123456"),
    ("07911 123456", "GB", "+447911123456"),
    ("0044 7911 123456", "GB", "+447911123456"),
    ("+44 (0)7911 123456", "GB", "+447911123456"),
    ("(07911) 123-456", "gb", "+447911123456"),
    ("07911 123456", None, "+447911123456"),  # no country: the default (GB)
    ("07911 123456", "ZZ", None),  # unknown country: never another country's code (phone_country_unknown)
    ("(11) 91234-5678", "BR", "+5511912345678"),
    ("090-1234-5678", "JP", "+819012345678"),
    ("55 1234 5678", "MX", "+525512345678"),
    ("082 123 4567", "ZA", "+27821234567"),
    ("8 912 345-67-89", "RU", "+79123456789"),
    ("+44 7911 12", "GB", None),  # too short for the United Kingdom
    ("(415) 555-0123", "US", "+14155550123"),
    ("1-415-555-0123", "US", "+14155550123"),
    ("415.555.0123", "US", "+14155550123"),
    ("+1 415 555 0123 x12", "US", "+14155550123"),
    ("06 12 34 56 78", "FR", "+33612345678"),
    ("0151 23456789", "DE", "+4915123456789"),
    ("087 123 4567", "IE", "+353871234567"),
    ("+33 6 12 34 56 78", "GB", "+33612345678"),  # an international prefix beats the country
    ("12345", "GB", None),
    ("call me", "GB", None),
    ("+44", "GB", None),
]


def rows_for(cases: dict, good: dict, key: str, marker: str, prefix: str) -> list[dict]:
    rows = []
    for reason, breaks in cases.items():
        rows.append({**good, key: f"{prefix}-{reason}", marker: f"case-{reason}", **breaks})
    return rows


@pytest.fixture(scope="session")
def crafted(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crafted")
    raw = root / "raw"
    events = rows_for(EVENT_CASES, GOOD_EVENT, "event_id", "session_id", "e")
    events += [
        {**GOOD_EVENT, "event_id": "good-offset", "occurred_at": "2026-10-30T10:00:00+02:00", "session_id": "good"},
        {**GOOD_EVENT, "event_id": "good-dup", "session_id": "good", "loaded_at": "2026-10-31 13:00:00"},
        {**GOOD_EVENT, "event_id": "good-dup", "session_id": "good", "loaded_at": "2026-10-31 12:30:00"},
    ]
    contacts = rows_for(CONTACT_CASES, GOOD_CONTACT, "contact_id", "first_name", "c")
    contacts += [{**GOOD_CONTACT, "contact_id": f"email-{i}", "email": raw_email} for i, (raw_email, _) in enumerate(EMAIL_CASES)]
    contacts += [
        {**GOOD_CONTACT, "contact_id": f"phone-{i}", "phone": raw_phone, "country": country}
        for i, (raw_phone, country, _) in enumerate(PHONE_CASES)
    ]
    transactions = rows_for(TRANSACTION_CASES, GOOD_TRANSACTION, "transaction_id", "channel", "t")
    transactions.append({**GOOD_TRANSACTION, "transaction_id": "good-refund", "status": "refunded", "amount": "-10.00"})
    transactions.append({**GOOD_TRANSACTION, "transaction_id": "good-guest", "customer_id": None, "amount": "7.50"})
    requests = rows_for(REQUEST_CASES, GOOD_REQUEST, "request_id", "identifier_value", "r")
    requests += [
        {**GOOD_REQUEST, "request_id": "good-email", "identifier_type": "Email", "identifier_value": " Ann.Lee@Example.COM"},
        {**GOOD_REQUEST, "request_id": "good-phone", "identifier_type": "phone", "identifier_value": "07911 123456"},
    ]
    consents = rows_for(CONSENT_CASES, GOOD_CONSENT, "record_id", "collection_point", "k")
    consents += [
        {**GOOD_CONSENT, "record_id": f"spell-{i}", "purpose": purpose, "status": status}
        for i, ((purpose, status), _) in enumerate(CONSENT_SPELLINGS)
    ]
    # a platform that exports no record id: the same record delivered twice is one record
    consents += [{**GOOD_CONSENT, "collection_point": "no-id", "loaded_at": loaded} for loaded in (LOADED, "2026-10-31 13:00:00")]
    tables = {
        "events": events,
        "crm_contacts": contacts,
        "transactions": transactions,
        "privacy_requests": requests,
        "consent_records": consents,
    }
    for table, cases in FIELD_CASES.items():
        tables[table] += [
            {**FIELD_GOOD[table], FIELD_KEYS[table]: f"field-{reason}", column: value}
            for reason, (column, value) in cases.items()
        ]
    for table, rows in tables.items():
        write_csv(raw / f"{table}.csv", [*RAW_CONTRACT[table][0], "loaded_at"], rows)
    db = root / "warehouse.duckdb"
    load(raw, db)
    dbt("build", *NOT_A_LIVE_FEED, db=db)  # every data test, conservation included, passes on these rows
    return db


def accepted_reasons(model: str) -> set[str]:
    """The reason codes a quarantine model declares in its YAML."""
    for path in (PROJECT_DIR / "models" / "staging").rglob("_*__models.yml"):
        for node in yaml.safe_load(path.read_text())["models"]:
            if node["name"] == model:
                column = next(c for c in node["columns"] if c["name"] == "quarantine_reason")
                test = next(t for t in column["data_tests"] if isinstance(t, dict) and "accepted_values" in t)
                return set(test["accepted_values"]["arguments"]["values"])
    raise AssertionError(f"{model} not found")


QUARANTINES = [
    ("stg_tracking__events_quarantined", EVENT_CASES, "e", "session_id"),
    ("stg_crm__contacts_quarantined", CONTACT_CASES, "c", "first_name"),
    ("stg_shop__transactions_quarantined", TRANSACTION_CASES, "t", "channel"),
    ("stg_privacy__requests_quarantined", REQUEST_CASES, "r", "identifier_value"),
    ("stg_privacy__consents_quarantined", CONSENT_CASES, "k", "collection_point"),
]


@pytest.mark.parametrize(("model", "cases", "prefix", "marker"), QUARANTINES, ids=[q[0] for q in QUARANTINES])
def test_every_reason_code_is_triggered_by_its_crafted_row(crafted, model, cases, prefix, marker):
    assert set(cases) == accepted_reasons(model), "a reason code has no crafted row, or a crafted row no code"
    rows = query(
        crafted,
        f"""select row_key, {marker}, quarantine_reason from staging.{model}
                              where row_key like '{prefix}-%' or {marker} like 'case-%'""",
    )
    # A row is known by its key, or by its marker when the key is what the case breaks.
    got = {
        (key[len(prefix) + 1 :] if key and key.startswith(f"{prefix}-") else mark[len("case-") :]): reason
        for key, mark, reason in rows
    }
    assert got == {reason: reason for reason in cases}


def test_good_rows_are_staged_with_utc_times_and_first_delivery(crafted):
    events = dict(
        query(crafted, "select event_id, occurred_at::varchar from staging.stg_tracking__events where event_id like 'good-%'")
    )
    assert events == {"good-offset": "2026-10-30 08:00:00", "good-dup": "2026-10-30 10:00:00"}
    assert query(crafted, "select loaded_at::varchar from staging.stg_tracking__events where event_id = 'good-dup'") == [
        ("2026-10-31 12:30:00",)
    ]
    # A guest sale without any identifier is the store's revenue all the same.
    amounts = dict(
        query(
            crafted,
            "select transaction_id, amount::varchar from staging.stg_shop__transactions where transaction_id like 'good-%'",
        )
    )
    assert amounts == {"good-refund": "-10.00", "good-guest": "7.50"}
    requests = dict(
        query(crafted, "select request_id, identifier_value from staging.stg_privacy__requests where request_id like 'good-%'")
    )
    assert requests == {"good-email": "ann.lee@example.com", "good-phone": "+447911123456"}


def test_consent_purposes_and_statuses_are_read_in_every_spelling(crafted):
    staged = query(crafted, "select record_id, purpose, status from staging.stg_privacy__consents where record_id like 'spell-%'")
    assert sorted(staged) == sorted((f"spell-{i}", *expected) for i, (_, expected) in enumerate(CONSENT_SPELLINGS))
    # without a record id, a second delivery of the same record is a duplicate, not a second record
    no_id = query(
        crafted,
        "select row_disposition, loaded_at::varchar from staging.base_privacy__consents where raw_collection_point = 'no-id'",
    )
    assert sorted(no_id) == [("duplicate_delivery", "2026-10-31 13:00:00"), ("staged", LOADED)]


@pytest.mark.parametrize(("raw_email", "expected"), EMAIL_CASES)
def test_email_normalisation(crafted, raw_email, expected):
    key = f"email-{EMAIL_CASES.index((raw_email, expected))}"
    staged = query(crafted, "select email from staging.stg_crm__contacts where contact_id = ?", [key])
    assert staged == [(expected,)]
    assert issue_of(crafted, "crm.crm_contacts", key, "email") == ([] if expected else [(raw_email, "email_invalid")])


@pytest.mark.parametrize(("raw_phone", "country", "expected"), PHONE_CASES)
def test_phone_normalisation(crafted, raw_phone, country, expected):
    key = f"phone-{PHONE_CASES.index((raw_phone, country, expected))}"
    staged = query(crafted, "select phone from staging.stg_crm__contacts where contact_id = ?", [key])
    assert staged == [(expected,)]
    reason = "phone_country_unknown" if country == "ZZ" else "phone_invalid"
    assert issue_of(crafted, "crm.crm_contacts", key, "phone") == ([] if expected else [(raw_phone, reason)])


def issue_of(db: Path, source_table: str, row_key: str, column: str) -> list[tuple]:
    return query(
        db,
        "select raw_value, issue_reason from staging.stg_field_issues where source_table = ? and row_key = ? and column_name = ?",
        [source_table, row_key, column],
    )


def test_every_field_issue_code_is_triggered_by_its_crafted_row(crafted):
    node = yaml.safe_load((PROJECT_DIR / "models/staging/field_issues/_field_issues__models.yml").read_text())["models"][0]
    column = next(c for c in node["columns"] if c["name"] == "issue_reason")
    declared = set(next(t for t in column["data_tests"] if isinstance(t, dict))["accepted_values"]["arguments"]["values"])
    crafted_reasons = {reason for cases in FIELD_CASES.values() for reason in cases}
    assert crafted_reasons | {"phone_country_unknown"} == declared  # that one: test_phone_normalisation
    got = query(
        crafted,
        """select source_table, row_key, column_name, raw_value, issue_reason from staging.stg_field_issues
           where row_key like 'field-%'""",
    )
    assert sorted(got) == sorted(
        (SOURCE_TABLES[table], f"field-{reason}", column, value, reason)
        for table, cases in FIELD_CASES.items()
        for reason, (column, value) in cases.items()
    )


@pytest.mark.parametrize("table", FIELD_CASES)
def test_a_bad_value_costs_the_value_not_the_row(crafted, table):
    staged_model = {
        "events": "stg_tracking__events",
        "crm_contacts": "stg_crm__contacts",
        "transactions": "stg_shop__transactions",
        "privacy_requests": "stg_privacy__requests",
        "consent_records": "stg_privacy__consents",
    }[table]
    staged_column = {"email_opt_in": "is_email_opted_in"}
    for reason, (column, _) in FIELD_CASES[table].items():
        key = f"field-{reason}"
        row = query(
            crafted,
            f"select {staged_column.get(column, column)} from staging.{staged_model} where {FIELD_KEYS[table]} = ?",
            [key],
        )
        assert row == [(None,)], f"{table} {reason}: the row must be staged with {column} null"
    assert query(crafted, f"select count(*) from staging.{staged_model}_quarantined where row_key like 'field-%'") == [(0,)]


def test_an_erasure_request_whose_time_did_not_parse_still_erases(crafted):
    erased = query(
        crafted,
        """select profiles.is_erased, profiles.has_marketing_opt_out, profiles.primary_user_id
           from marts.dim_customer_profiles as profiles
           inner join identity.int_source_rows_resolved as rows using (person_id)
           where rows.source_row_key = 'good-refund'""",
    )
    assert erased == [(True, True, None)]
