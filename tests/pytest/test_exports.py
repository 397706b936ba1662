"""Audience exports: consent, erasure and suppression hold in every file; hashes follow the platforms'
documented normalisation; manifests, change sets and crash safety of the export command."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import NOT_A_LIVE_FEED, change_set_applied, copy_project, dbt, load, query, read_csv, write_csv
from unified_segments import export_audiences
from unified_segments.load_raw import RAW_CONTRACT
from unified_segments.warehouse import DuckDBWarehouse

LOADED = "2026-10-31 12:00:00"
# raw email -> (Google Customer Match form, Meta Custom Audiences form), written out by hand from
# their documentation: trim, lower-case; Google also drops the dots of gmail/googlemail mailboxes.
EMAIL_CASES = {
    " Ann.Lee@GMail.com ": ("annlee@gmail.com", "ann.lee@gmail.com"),
    "J.Smith@googlemail.com": ("jsmith@googlemail.com", "j.smith@googlemail.com"),
    "Mary.Jones+news@Example.co.uk": ("mary.jones+news@example.co.uk", "mary.jones+news@example.co.uk"),
    "  PETE@Shop.IO ": ("pete@shop.io", "pete@shop.io"),
}
# The same people's (first name, last name, postal code, country) as the CRM holds them -> the
# forms each platform documents: Google names lower-case without punctuation, one space between
# words, country and postal code in clear; Meta names without punctuation or spaces, zip without
# spaces or dashes (US: five digits; GB: outward code and sector), country lower-case.
ADDRESS_CASES = [
    (
        (" Mary  Ann ", "O'Brien-Smith", "SW1A 1AA", "GB"),
        ("mary ann", "obriensmith", "GB", "SW1A 1AA"),
        ("maryann", "obriensmith", "sw1a1", "gb"),
    ),
    (("José", "García", "28013", "ES"), ("josé", "garcía", "ES", "28013"), ("josé", "garcía", "28013", "es")),
    (("Anne", "Lee Jr.", "94103-1234", "US"), ("anne", "lee jr", "US", "94103-1234"), ("anne", "leejr", "94103", "us")),
    (("PETE", "Ng", None, "GB"), ("pete", "ng", "GB", ""), ("pete", "ng", "", "gb")),
]
# (raw phone, contact country) -> (Google: E.164 with +, Meta: digits with country code, no +)
PHONE_CASES = {
    ("07911 123456", "GB"): ("+447911123456", "447911123456"),
    ("(415) 555-0123", "US"): ("+14155550123", "14155550123"),
    ("06 98 76 54 21", "FR"): ("+33698765421", "33698765421"),
    ("+353 87 123 4567", "IE"): ("+353871234567", "353871234567"),
}
# Customers who would be in the VIP audience but must not leave the warehouse, by why.
BARRED = {
    "no_consent": {"email_opt_in": "false"},
    "erased": {"request_type": "erasure"},
    "marketing_opt_out": {"request_type": "marketing_opt_out"},
    "suppressed": {},
}
# VIPs whose consent per purpose decides their audiences: CRM email opt-in, their consent records
# (purpose and status as the platform spells them, recorded at, loaded at), and the families they
# must reach. The latest record per purpose wins whatever order the records landed in, a withdrawal
# wins a tie, a record beats the CRM opt-in, and ad targeting has no fallback.
CONSENT_PEOPLE = {
    "split@consent.example": (
        "true",
        [
            ("Newsletter", "accepted", "2026-09-01 10:00:00", LOADED),
            ("Advertising", "accepted", "2026-09-01 10:00:00", LOADED),
            ("C0004", "denied", "2026-10-10 10:00:00", "2026-10-11 09:00:00"),
        ],
        {"email_marketing": None, "ad_platforms": "consent_withdrawn"},
    ),
    "ads.only@consent.example": (
        "true",
        [
            ("email_marketing", "withdrawn", "2026-10-01 10:00:00", LOADED),
            ("ad_targeting", "granted", "2026-10-01 10:00:00", LOADED),
        ],
        {"email_marketing": "consent_withdrawn", "ad_platforms": None},
    ),
    "regranted@consent.example": (
        "false",
        [
            ("email_marketing", "granted", "2026-10-15 10:00:00", "2026-10-16 09:00:00"),  # landed first, decided last
            ("email_marketing", "withdrawn", "2026-09-01 10:00:00", LOADED),
            ("ad_targeting", "granted", "2026-10-20 10:00:00", LOADED),
            ("ad_targeting", "withdrawn", "2026-10-20 10:00:00", LOADED),
        ],
        {"email_marketing": None, "ad_platforms": "consent_withdrawn"},
    ),
    "crm.only@consent.example": ("true", [], {"email_marketing": None, "ad_platforms": "no_consent"}),
}
# Each destination's file header, as its import documentation names the columns.
DOCUMENTED_HEADERS = {
    "meta_custom_audiences": ["email", "phone", "fn", "ln", "zip", "country"],
    "google_customer_match": ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"],
    "klaviyo": ["external_id", "email", "phone_number", "first_name", "last_name", "country"],
    "mailchimp": ["Email Address", "First Name", "Last Name", "Phone Number", "Tags"],
    "hubspot": ["Email", "First Name", "Last Name", "Phone Number", "Country/Region"],
    "braze": ["external_id", "email", "first_name", "last_name", "phone", "country", "email_subscribe"],
    "bi": ["person_id", "is_primary", "arm"],
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest() if text else ""


def exported_rows(run: Path) -> dict[tuple[str, str], list[dict]]:
    """(destination, segment) -> the rows of its CSV file."""
    return {(path.parent.name, path.stem): read_csv(path) for path in run.glob("*/*.csv") if path.parent.parent.name != "changes"}


def exported_people(run: Path) -> set[str]:
    """The person ids in every file that carries them."""
    return {
        r.get("person_id") or r["external_id"]
        for rows in exported_rows(run).values()
        for r in rows
        if {"person_id", "external_id"} & r.keys()
    }


def dry_run(db: Path, out: Path, config: Path = export_audiences.DESTINATIONS_FILE) -> list[dict]:
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        return export_audiences.dry_run(out, wh, config)[1]
    finally:
        wh.close()


def run_export(db: Path, out: Path, **kwargs) -> Path:
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        return export_audiences.export(out, wh, **kwargs)
    finally:
        wh.close()


def consent_record(record_id, identifier, purpose, status, recorded_at, loaded_at) -> dict:
    return {
        "record_id": record_id,
        "identifier_type": identifier[0],
        "identifier_value": identifier[1],
        "purpose": purpose,
        "status": status,
        "recorded_at": recorded_at,
        "collection_point": "preference_centre",
        "loaded_at": loaded_at,
    }


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """VIP customers (one 2,500 GBP order each) whose CRM records carry the email, name, address and
    phone cases, plus one VIP per barring reason; built in a project copy whose suppression list
    names one. Returns the project, the warehouse and its first export."""
    root = tmp_path_factory.mktemp("exports")
    project = copy_project(root / "project")
    write_csv(
        project / "seeds" / "export_suppressions.csv",
        ["identifier_type", "identifier_value", "reason", "added_at"],
        [
            {
                "identifier_type": "email",
                "identifier_value": " Barred.Suppressed@Shop-Mail.net",
                "reason": "spam complaint",
                "added_at": "2026-10-01",
            }
        ],
    )
    contacts, transactions, requests, consents = [], [], [], []
    people = [(email, None, address[0]) for email, address in zip(EMAIL_CASES, ADDRESS_CASES, strict=True)]
    people += [(None, phone, (f"First{i}", None, None, country)) for i, (phone, country) in enumerate(PHONE_CASES)]
    people += [(f"barred.{reason}@shop-mail.net", None, ("Barred", None, None, "GB")) for reason in BARRED]
    people += [(email, None, ("Consent", None, None, "GB")) for email in CONSENT_PEOPLE]
    for i, (email, phone, (first_name, last_name, postal_code, country)) in enumerate(people):
        reason = next((r for r in BARRED if email == f"barred.{r}@shop-mail.net"), None)
        # the cases' people agreed to ad targeting, through the identifier a consent platform knows
        if email in EMAIL_CASES or phone:
            identifier = ("email", email) if email else ("contact_id", f"c{i}")
            consents.append(consent_record(f"k{i}", identifier, "ad_targeting", "granted", "2026-10-01 10:00:00", LOADED))
        for j, record in enumerate(CONSENT_PEOPLE.get(email, (None, []))[1]):
            consents.append(consent_record(f"k{i}-{j}", ("email", email.upper()), *record))
        contacts.append(
            {
                "contact_id": f"c{i}",
                "email": email,
                "phone": phone,
                "first_name": first_name,
                "last_name": last_name,
                "postal_code": postal_code,
                "country": country,
                "email_opt_in": CONSENT_PEOPLE[email][0]
                if email in CONSENT_PEOPLE
                else BARRED.get(reason, {}).get("email_opt_in", "true"),
                "updated_at": "2026-10-01 10:00:00",
                "loaded_at": LOADED,
            }
        )
        transactions.append(
            {
                "transaction_id": f"t{i}",
                "customer_id": f"u{i}",
                "email": email,
                "phone": PHONE_CASES[(phone, country)][0] if phone else None,  # the shop sends E.164
                "ordered_at": "2026-10-20T10:00:00Z",
                "status": "completed",
                "currency": "GBP",
                "amount": "2500.00",
                "item_count": "1",
                "loaded_at": LOADED,
            }
        )
        if "request_type" in BARRED.get(reason, {}):
            requests.append(
                {
                    "request_id": f"r{i}",
                    "identifier_type": "email",
                    "identifier_value": email,
                    "request_type": BARRED[reason]["request_type"],
                    "requested_at": "2026-10-25 09:00:00",
                    "loaded_at": LOADED,
                }
            )
    raw = root / "raw"
    for table, rows in [
        ("crm_contacts", contacts),
        ("transactions", transactions),
        ("privacy_requests", requests),
        ("consent_records", consents),
    ]:
        write_csv(raw / f"{table}.csv", [*RAW_CONTRACT[table][0], "loaded_at"], rows)
    db = root / "warehouse.duckdb"
    load(raw, db)
    dbt("build", *NOT_A_LIVE_FEED, db=db, project_dir=project)
    return project, db, run_export(db, root / "out")


def test_hashes_follow_the_documented_normalisation(crafted):
    _, _, run = crafted
    consent_people = {sha(email) for email in CONSENT_PEOPLE}
    rows = exported_rows(run)
    meta = {tuple(r.values()) for r in rows[("meta_custom_audiences", "vip_lifetime_value")] if r["email"] not in consent_people}
    google = {
        tuple(r.values()) for r in rows[("google_customer_match", "vip_lifetime_value")] if r["Email"] not in consent_people
    }
    expected_meta, expected_google = set(), set()
    for (google_email, meta_email), (_, (g_first, g_last, g_country, g_zip), (m_first, m_last, m_zip, m_country)) in zip(
        EMAIL_CASES.values(), ADDRESS_CASES, strict=True
    ):
        expected_google.add((sha(google_email), "", sha(g_first), sha(g_last), g_country, g_zip))
        expected_meta.add((sha(meta_email), "", sha(m_first), sha(m_last), sha(m_zip), sha(m_country)))
    for i, ((_, country), (google_phone, meta_phone)) in enumerate(PHONE_CASES.items()):
        expected_google.add(("", sha(google_phone), sha(f"first{i}"), "", country, ""))
        expected_meta.add(("", sha(meta_phone), sha(f"first{i}"), "", "", sha(country.lower())))
    assert google == expected_google
    assert meta == expected_meta


def test_each_destination_file_has_its_documented_format(crafted):
    _, _, run = crafted
    manifest = json.loads((run / "manifest.json").read_text())
    files = exported_rows(run)
    assert {d for d, _ in files} == set(DOCUMENTED_HEADERS)
    for (destination, segment), rows in files.items():
        with (run / destination / f"{segment}.csv").open() as f:
            assert next(csv.reader(f)) == DOCUMENTED_HEADERS[destination], destination
        for row in rows:
            if destination in ("meta_custom_audiences", "google_customer_match"):
                hashed = [v for c, v in row.items() if not (destination == "google_customer_match" and c in ("Country", "Zip"))]
                assert all(len(v) in (0, 64) and set(v) <= set("0123456789abcdef") for v in hashed), row
            if destination == "google_customer_match":
                assert row["Country"] in ("", *{c for *_, c in PHONE_CASES}, "GB", "ES", "US")
            if destination == "mailchimp":
                assert row["Tags"] == segment
            if destination == "braze":
                assert row["email_subscribe"] == "opted_in"
            if destination in ("klaviyo", "braze", "mailchimp", "hubspot"):
                email = row.get("email") or row.get("Email Address") or row["Email"]
                assert email in {meta for _, meta in EMAIL_CASES.values()} | set(CONSENT_PEOPLE)
    lists = {(e["destination"], e["list_name"]) for e in manifest["audiences"] if e["segment"] == "vip_lifetime_value"}
    assert ("hubspot", "unified-segments: vip_lifetime_value") in lists and ("mailchimp", None) in lists


def test_barred_customers_are_in_the_segment_but_in_no_export(crafted):
    _, db, run = crafted
    contacts = [f"contact_id:c{len(EMAIL_CASES) + len(PHONE_CASES) + i}" for i in range(len(BARRED))]
    barred = {
        r[0]
        for r in query(
            db, "select person_id from identity.int_identifiers_resolved where identifier_key in (?, ?, ?, ?)", contacts
        )
    }
    vip = {
        r[0] for r in query(db, "select person_id from marts.fct_segment_memberships where segment_name = 'vip_lifetime_value'")
    }
    assert len(barred) == len(BARRED) and barred <= vip  # each would be in the VIP audiences
    exported = exported_people(run)
    # (the files with person ids: the email families and BI, which needs email consent)
    emailable = [e for e, (_, _, reasons) in CONSENT_PEOPLE.items() if reasons["email_marketing"] is None]
    assert len(exported) == len(EMAIL_CASES) + len(PHONE_CASES) + len(emailable)
    assert not exported & barred
    # nor their emails, in clear or hashed, in any file
    barred_emails = {f"barred.{reason}@shop-mail.net" for reason in BARRED}
    cells = {v for rows in exported_rows(run).values() for r in rows for v in r.values()}
    assert not cells & (barred_emails | {sha(e) for e in barred_emails})
    for family in ("email_marketing", "ad_platforms", "bi"):
        reasons = query(
            db,
            "select person_id, exclusion_reason from customers.int_person_export_eligibility where export_family = ?",
            [family],
        )
        assert sorted(reason for person, reason in reasons if person in barred) == sorted(BARRED), family


def test_email_audiences_carry_the_normalised_email_and_names(crafted):
    _, _, run = crafted
    rows = exported_rows(run)[("klaviyo", "vip_lifetime_value")]
    expected = {
        (meta, address[0], address[1]) for (_, meta), (address, _, _) in zip(EMAIL_CASES.values(), ADDRESS_CASES, strict=True)
    }
    assert {(r["email"], r["first_name"], r["last_name"]) for r in rows if r["email"] not in CONSENT_PEOPLE} == {
        (email, first.strip(), last) for email, first, last in expected
    }


def test_each_family_carries_exactly_the_people_consenting_to_its_purpose(crafted):
    _, db, run = crafted
    rows = exported_rows(run)
    in_email = {r["email"] for r in rows[("klaviyo", "vip_lifetime_value")]}
    in_ads = {r["email"] for r in rows[("meta_custom_audiences", "vip_lifetime_value")]}
    for email, (_, _, reasons) in CONSENT_PEOPLE.items():
        assert (email in in_email) == (reasons["email_marketing"] is None), email
        assert (sha(email) in in_ads) == (reasons["ad_platforms"] is None), email
        eligibility = dict(
            query(
                db,
                """select export_family, exclusion_reason from customers.int_person_export_eligibility
                   where person_id = (select person_id from identity.int_identifiers_resolved where identifier_key = ?)""",
                [f"email:{email}"],
            )
        )
        assert eligibility == {**reasons, "bi": reasons["email_marketing"]}, email
    # the person who granted email but withdrew ad targeting: the email audience only
    assert "split@consent.example" in in_email and sha("split@consent.example") not in in_ads
    # a phone-only customer's ad consent came through their CRM contact id, via identity
    assert {r["Phone"] for r in rows[("google_customer_match", "vip_lifetime_value")]} >= {
        sha(google) for google, _ in PHONE_CASES.values()
    }


def test_no_opted_out_or_erased_person_in_any_file_of_the_sample(sample, tmp_path):
    run = run_export(sample.db, tmp_path / "out")
    exported = exported_people(run)
    # Requests matched to people by the identifier they name, independently of the profile's flags.
    requested = {
        r[0]
        for r in query(
            sample.db,
            """select distinct i.person_id from raw.privacy_requests r
               join identity.int_identifiers_resolved i
                 on i.identifier_key = lower(trim(r.identifier_type)) || ':' || case when lower(trim(r.identifier_type)) = 'email'
                    then lower(trim(r.identifier_value)) else trim(r.identifier_value) end
               where lower(trim(r.request_type)) in ('erasure', 'marketing_opt_out') and i.person_id is not null""",
        )
    }
    in_segments = {r[0] for r in query(sample.db, "select distinct person_id from marts.fct_segment_memberships")}
    assert requested & in_segments  # the sample has people the exports must leave out
    assert exported and not exported & requested
    # Consent per purpose recomputed from the raw records: the names the generator spells each purpose
    # with, the latest record per person and purpose (an unparseable time the oldest; a withdrawal
    # wins a tie), and for email the CRM opt-in when a person has no record.
    purposes = {
        "email_marketing": ("email_marketing", "newsletter", "marketing emails"),
        "ad_targeting": ("ad_targeting", "advertising", "c0004", "targeting"),
    }
    latest = {
        (person, purpose): granted
        for person, purpose, granted in query(
            sample.db,
            f"""with records as (
                    select i.person_id,
                        case {" ".join(f"when lower(trim(r.purpose)) in {names} then '{p}'" for p, names in purposes.items())}
                        end as purpose,
                        lower(trim(r.status)) in ('granted', 'accepted', 'true', 'opt-in') as granted,
                        lower(trim(r.status)) in ('withdrawn', 'denied', 'false', 'opt_out') as withdrawn,
                        try_cast(r.recorded_at as timestamp) as recorded_at
                    from raw.consent_records r
                    join identity.int_identifiers_resolved i
                      on i.identifier_key = lower(trim(r.identifier_type)) || ':' || case
                         when lower(trim(r.identifier_type)) = 'email' then lower(trim(r.identifier_value))
                         else trim(r.identifier_value) end
                    where i.person_id is not null)
                select person_id, purpose, arg_max(granted, (recorded_at is not null, recorded_at, not granted))
                from records where purpose is not null and (granted or withdrawn) group by all""",
        )
    }
    opted_in = dict(query(sample.db, "select person_id, is_email_opted_in from marts.dim_customer_profiles"))
    people = set(opted_in)
    no_email = {p for p in people if not latest.get((p, "email_marketing"), opted_in[p])}
    no_ads = {p for p in people if not latest.get((p, "ad_targeting"), False)}
    assert {False, True} <= set(latest.values()) and no_email - no_ads and no_ads - no_email
    email_files = {
        r.get("person_id") or r["external_id"]
        for (destination, _), rows in exported_rows(run).items()
        if destination in ("klaviyo", "braze")
        for r in rows
    }
    assert email_files and not email_files & (requested | no_email)
    # the ad files, which carry no person id, hold none of the emails of the people they must leave out
    emails = query(
        sample.db, "select person_id, identifier_value from identity.int_identifiers_resolved where identifier_type = 'email'"
    )
    ad_cells = {
        v
        for (destination, _), rows in exported_rows(run).items()
        if destination in ("meta_custom_audiences", "google_customer_match")
        for r in rows
        for v in r.values()
    }
    left_out = {sha(e) for p, e in emails if p in requested | no_ads}
    assert ad_cells and left_out and not ad_cells & left_out


def test_manifest_checksums_and_counts_match_the_files_and_a_rerun_changes_nothing(sample, tmp_path):
    first = run_export(sample.db, tmp_path / "out")
    second = run_export(sample.db, tmp_path / "out")
    assert (tmp_path / "out" / "latest").resolve() == second
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous_run"] == first.name and manifest["as_of_date"] == "2026-11-01"
    # every email-marketing member reaches Klaviyo: rows plus members sharing an email = the relation's rows
    members = dict(query(sample.db, "select segment_name, count(*) from exports.audience_email_marketing group by 1"))
    klaviyo = {e["segment"]: e["rows"] + e["duplicate_keys"] for e in manifest["audiences"] if e["destination"] == "klaviyo"}
    listed = query(
        sample.db, "select segment_name from marts.segment_catalogue where is_enabled and destinations like '%email_marketing%'"
    )
    assert klaviyo == {segment: members.get(segment, 0) for (segment,) in listed}
    for entry in manifest["audiences"]:
        for file in entry["files"].values():
            path = second / file["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"], path
        assert pq.read_table(second / entry["files"]["parquet"]["path"]).num_rows == entry["rows"]
        with (second / entry["files"]["csv"]["path"]).open() as f:
            assert sum(1 for _ in f) == entry["rows"] + 1
        changes = entry["changes"]
        assert (changes["added"], changes["removed"], changes["updated"], changes["full_sync"]) == (0, 0, 0, False)
        assert (second / changes["path"]).read_text() == ",".join([*DOCUMENTED_HEADERS[entry["destination"]], "change"]) + "\n"
    assert sum(e["rows"] for e in manifest["audiences"]) > 0


def test_change_sets_between_two_as_of_dates(sample, tmp_path):
    db = tmp_path / "w.duckdb"
    load(sample.data_dir / "raw", db)
    out = tmp_path / "out"
    strict = tmp_path / "strict.yml"
    config = yaml.safe_load(export_audiences.DESTINATIONS_FILE.read_text())
    strict.write_text(yaml.safe_dump({**config, "guard": {"max_removed_share": 0.0, "min_previous_rows": 1}}, sort_keys=False))
    members = {}
    runs = []
    for as_of in ["2026-10-18", "2026-11-01"]:
        dbt(
            "build",
            "--select",
            "+path:models/exports",
            "+int_erased_identifier_hashes",
            "segment_catalogue",
            "--exclude-resource-type",
            "test",
            "unit_test",
            db=db,
            vars={"unified_segments_as_of_date": as_of},
        )
        members[as_of] = set(query(db, "select segment_name, person_id from exports.audience_bi_memberships"))
        if as_of == "2026-11-01":
            # a guard that allows no removal refuses the run, names it, and writes nothing
            with pytest.raises(SystemExit, match=r"Export refused: it would remove more than 0% of an audience \(.*bi/"):
                run_export(db, out, config=strict)
            assert len(list((out / "runs").iterdir())) == 1
            assert any(e["guard_tripped"] for e in dry_run(db, out, strict))
            forced = tmp_path / "forced"
            shutil.copytree(out, forced, symlinks=True)
            forced_manifest = json.loads((run_export(db, forced, config=strict, force=True) / "manifest.json").read_text())
            assert forced_manifest["forced_past_guard"]
            dry = dry_run(db, out)
        runs.append(run_export(db, out))
    # the dry run wrote nothing and foretold the counts of the run that followed it
    assert len(list((out / "runs").iterdir())) == 2
    manifest = json.loads((runs[1] / "manifest.json").read_text())
    assert manifest["forced_past_guard"] == []
    assert dry == [
        {
            "destination": e["destination"],
            "segment": e["segment"],
            "rows": e["rows"],
            **{c: e["changes"][c] for c in ("added", "removed", "updated")},
            "unchanged": e["rows"] - e["changes"]["added"] - e["changes"]["updated"],
            "full_sync": e["changes"]["full_sync"],
            "guard_tripped": False,
        }
        for e in manifest["audiences"]
    ]
    # applying each change set to the previous run's file gives the new file exactly
    for entry in manifest["audiences"]:
        held, now = change_set_applied(runs[0], runs[1], entry)
        assert held == now, entry
        assert entry["changes"]["full_sync"] == (not (runs[0] / entry["files"]["csv"]["path"]).is_file())
    # and the BI change set is the membership difference the warehouse shows
    added = members["2026-11-01"] - members["2026-10-18"]
    removed = members["2026-10-18"] - members["2026-11-01"]
    assert added and removed
    bi = {(path.stem, r["person_id"], r["change"]) for path in (runs[1] / "changes" / "bi").glob("*.csv") for r in read_csv(path)}
    assert {c for c in bi if c[2] != "updated"} == {(*m, "added") for m in added} | {(*m, "removed") for m in removed}


def exported_with_ann(crafted, tmp_path: Path) -> tuple[Path, Path, Path, Path, dict]:
    """A copy of the crafted warehouse and its first export: the project, the warehouse, the export
    folder, the run, and Ann's Klaviyo row."""
    project, built, _ = crafted
    db = tmp_path / "w.duckdb"
    shutil.copy(built, db)
    out = tmp_path / "out"
    before = run_export(db, out)
    [ann] = [r for r in exported_rows(before)[("klaviyo", "vip_lifetime_value")] if r["email"] == "ann.lee@gmail.com"]
    return project, db, out, before, ann


def test_a_changed_email_is_a_removal_of_the_old_and_an_addition_of_the_new(crafted, tmp_path):
    project, db, out, before, ann = exported_with_ann(crafted, tmp_path)
    # Ann's new address reaches the CRM and the shop (an order under her customer id)
    (first_name, last_name, postal_code, country), _, _ = ADDRESS_CASES[0]
    new_email = "Ann.Lee@NewMail.example"
    raw = tmp_path / "raw"
    write_csv(
        raw / "crm_contacts.csv",
        [*RAW_CONTRACT["crm_contacts"][0], "loaded_at"],
        [
            {
                "contact_id": "c0",
                "email": new_email,
                "first_name": first_name,
                "last_name": last_name,
                "postal_code": postal_code,
                "country": country,
                "email_opt_in": "true",
                "updated_at": "2026-10-25 10:00:00",
                "loaded_at": "2026-10-31 13:00:00",
            }
        ],
    )
    write_csv(
        raw / "transactions.csv",
        [*RAW_CONTRACT["transactions"][0], "loaded_at"],
        [
            {
                "transaction_id": "t_new",
                "customer_id": "u0",
                "email": new_email,
                "ordered_at": "2026-10-25T10:00:00Z",
                "status": "completed",
                "currency": "GBP",
                "amount": "10.00",
                "item_count": "1",
                "loaded_at": "2026-10-31 13:00:00",
            }
        ],
    )
    load(raw, db)
    dbt("build", *NOT_A_LIVE_FEED, "--select", "+path:models/exports", db=db, project_dir=project)
    after = run_export(db, out)
    klaviyo = [
        (r["external_id"], r["email"], r["change"]) for r in read_csv(after / "changes" / "klaviyo" / "vip_lifetime_value.csv")
    ]
    assert klaviyo == [
        (ann["external_id"], "ann.lee@newmail.example", "added"),
        (ann["external_id"], "ann.lee@gmail.com", "removed"),
    ]
    meta = [(r["email"], r["change"]) for r in read_csv(after / "changes" / "meta_custom_audiences" / "vip_lifetime_value.csv")]
    assert meta == [(sha("ann.lee@newmail.example"), "added"), (sha("ann.lee@gmail.com"), "removed")]
    # BI knows the person by id only: the same member, nothing to change
    assert read_csv(after / "changes" / "bi" / "vip_lifetime_value.csv") == []


def cells_on_disk(out: Path) -> set:
    """Every value in every CSV and Parquet file under out."""
    cells = {v for path in out.rglob("*.csv") for row in csv.reader(path.open()) for v in row}
    return cells | {v for path in out.rglob("*.parquet") for row in pq.read_table(path).to_pylist() for v in row.values()}


def request_erasure(db: Path, folder: Path, email: str) -> None:
    """Load an erasure request naming email, as the privacy tool sends it."""
    write_csv(
        folder / "privacy_requests.csv",
        [*RAW_CONTRACT["privacy_requests"][0], "loaded_at"],
        [
            {
                "request_id": f"r-{email.strip().lower()}",
                "identifier_type": "email",
                "identifier_value": email,
                "request_type": "erasure",
                "requested_at": "2026-10-30 09:00:00",
                "loaded_at": "2026-10-31 13:00:00",
            }
        ],
    )
    load(folder, db)


def test_an_erased_person_leaves_every_kept_file_and_old_runs_expire(crafted, tmp_path):
    project, built, _ = crafted
    db = tmp_path / "w.duckdb"
    shutil.copy(built, db)
    out = tmp_path / "out"
    config = yaml.safe_load(export_audiences.DESTINATIONS_FILE.read_text())
    keep_three = tmp_path / "destinations.yml"
    keep_three.write_text(yaml.safe_dump({**config, "retention": {"runs_to_keep": 3}}, sort_keys=False))
    first, second = run_export(db, out, config=keep_three), run_export(db, out, config=keep_three)
    [ann] = [r for r in exported_rows(first)[("klaviyo", "vip_lifetime_value")] if r["email"] == "ann.lee@gmail.com"]
    google_email, meta_email = EMAIL_CASES[" Ann.Lee@GMail.com "]
    forms = {ann["external_id"], meta_email, sha(meta_email), sha(google_email)}
    assert forms <= cells_on_disk(out)  # in the audiences of both runs
    holding = {
        run: sum(1 for path in run.rglob("*.csv") for row in csv.reader(path.open()) if forms & set(row))
        for run in (first, second)
    }

    request_erasure(db, tmp_path / "raw", " Ann.Lee@GMail.com ")
    dbt(
        "build", *NOT_A_LIVE_FEED, "--select", "+path:models/exports", "+int_erased_identifier_hashes", db=db, project_dir=project
    )
    third = run_export(db, out, config=keep_three)
    # the older runs no longer hold her anywhere, and their manifests say so with checksums that match
    assert not forms & cells_on_disk(first) and not forms & cells_on_disk(second)
    for run in (first, second):
        manifest = json.loads((run / "manifest.json").read_text())
        assert [e["rows_removed"] for e in manifest["erasures"]] == [holding[run]]
        for entry in manifest["audiences"]:
            for file in [*entry["files"].values(), entry["changes"]]:
                assert hashlib.sha256((run / file["path"]).read_bytes()).hexdigest() == file["sha256"]
            assert pq.read_table(run / entry["files"]["parquet"]["path"]).num_rows == entry["rows"]
    # the new run removes her from each destination by what it knows her by; the next export scrubs that too
    assert ("ann.lee@gmail.com", "removed") in {
        (r["email"], r["change"]) for r in read_csv(third / "changes" / "klaviyo" / "vip_lifetime_value.csv")
    }
    assert not forms & cells_on_disk(third / "klaviyo")
    fourth = run_export(db, out, config=keep_three)
    assert not forms & cells_on_disk(out)
    # three runs kept: the first expired
    manifest = json.loads((fourth / "manifest.json").read_text())
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(r.name for r in (second, third, fourth))
    assert manifest["deleted_runs"] == [first.name] and list(manifest["erased_rows_removed_from"]) == [third.name]


def test_the_export_stops_when_the_erasure_hashes_are_not_built(crafted, tmp_path):
    _, built, _ = crafted
    db = tmp_path / "w.duckdb"
    shutil.copy(built, db)
    con = duckdb.connect(str(db))
    con.execute("drop table customers.int_erased_identifier_hashes")
    con.close()
    with pytest.raises(SystemExit, match=r"customers.int_erased_identifier_hashes does not exist: build it \(dbt build"):
        run_export(db, tmp_path / "out")
    assert not (tmp_path / "out" / "latest").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["destinations"]["klaviyo"].update(audience="sms"), "destinations.klaviyo.audience: 'sms' is not one of"),
        (lambda c: c["destinations"]["braze"].update(key=["external_id", "Email"]), "destinations.braze.key: "),
        (
            lambda c: c["destinations"]["mailchimp"]["columns"].update(Tags=["segment_name"]),
            "destinations.mailchimp.columns.Tags: ",
        ),
        (lambda c: c["destinations"]["hubspot"].update(list="x"), "destinations.hubspot: unknown setting 'list'"),
        (lambda c: c["guard"].update(max_removed_share=5), "guard.max_removed_share: 5 is not a share"),
        (lambda c: c.update(retension={"runs_to_keep": 3}), "top level: unknown setting 'retension'"),
    ],
)
def test_a_bad_destinations_file_fails_naming_the_setting(tmp_path, edit, message):
    config = yaml.safe_load(export_audiences.DESTINATIONS_FILE.read_text())
    export_audiences.read_destinations()  # the shipped file is good
    edit(config)
    path = tmp_path / "destinations.yml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SystemExit, match=f"^{re.escape(str(path))}: {re.escape(message)}"):
        export_audiences.read_destinations(path)


def test_a_destination_column_missing_from_its_relation_fails_before_writing(sample, tmp_path):
    config = yaml.safe_load(export_audiences.DESTINATIONS_FILE.read_text())
    config["destinations"]["klaviyo"]["columns"]["zip"] = "postal_code"
    path = tmp_path / "destinations.yml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(
        SystemExit, match=r"destinations.klaviyo.columns: exports.audience_email_marketing has no column 'postal_code'"
    ):
        run_export(sample.db, tmp_path / "out", config=path)
    assert not (tmp_path / "out" / "runs").exists()


def test_a_crash_mid_export_leaves_the_previous_run_as_latest(sample, tmp_path, monkeypatch):
    out = tmp_path / "out"
    good = run_export(sample.db, out)
    calls = []

    def failing_write(path, columns, rows):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(path, columns, rows)

    real_write = export_audiences.write_parquet
    monkeypatch.setattr(export_audiences, "write_parquet", failing_write)
    with pytest.raises(OSError, match="disk full"):
        run_export(sample.db, out)
    assert (out / "latest").resolve() == good
    assert [p.name for p in (out / "runs").iterdir() if not p.name.startswith(".tmp-")] == [good.name]
    monkeypatch.setattr(export_audiences, "write_parquet", real_write)
    after = run_export(sample.db, out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted([good.name, after.name])  # leftover removed


def warehouse_cells(db: Path) -> dict[str, set[str]]:
    """Every value, as lower-case text, of every table and view the project builds or loads (not the
    audit schema of test results), by relation."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema not in ('audit', 'main')"
        ).fetchall()
        return {
            f"{schema}.{name}": {
                str(value).lower()
                for row in con.execute(f'select * from "{schema}"."{name}"').fetchall()
                for value in row
                if value is not None
            }
            for schema, name in relations
        }
    finally:
        con.close()


# Where an erased person's id stays, beside hashes, so exported files keep losing them.
TOMBSTONE_RELATIONS = {
    "raw.erasure_tombstones",
    "staging.stg_privacy__erasure_tombstones",
    "customers.int_erased_identifier_hashes",
}


def test_the_redaction_leaves_an_erased_person_nowhere_and_a_later_load_of_them_stays_erased(crafted, tmp_path):
    project, db, out, before, ann = exported_with_ann(crafted, tmp_path)
    revenue = query(db, "select sum(amount) from staging.stg_shop__transactions")
    # Ann's values as the warehouse holds them (her contact id c0 and customer id u0 are the shortest)
    (first_name, last_name, postal_code, _), _, _ = ADDRESS_CASES[0]
    ann_values = {"ann.lee@gmail.com", "c0", "u0", last_name.lower(), first_name.strip().lower()}
    barred_erased = "barred.erased@shop-mail.net"  # erased when the fixture was built
    assert ann_values | {barred_erased, ann["external_id"]} <= set().union(*warehouse_cells(db).values())

    request_erasure(db, tmp_path / "raw", " ANN.LEE@gmail.com")
    dbt("build", *NOT_A_LIVE_FEED, db=db, project_dir=project)
    dbt("run-operation", "redact_erased_people", db=db, project_dir=project)
    dbt("build", *NOT_A_LIVE_FEED, db=db, project_dir=project)

    relations = warehouse_cells(db)
    cells = set().union(*relations.values())
    assert not cells & (ann_values | {barred_erased})
    assert not {c for c in cells if "ann.lee" in c or "barred.erased" in c}
    assert {r for r, values in relations.items() if ann["external_id"] in values} == TOMBSTONE_RELATIONS
    # only hashes are left of them
    tombstones = query(db, "select identifier_type, identifier_sha256, person_id from raw.erasure_tombstones")
    assert all(re.fullmatch("[0-9a-f]{64}", h) for _, h, _ in tombstones)
    assert {("email", sha("email:ann.lee@gmail.com")), ("contact_id", sha("contact_id:c0"))} <= {(t, h) for t, h, _ in tombstones}
    # her sale is still the shop's revenue, belonging to no one
    assert query(db, "select sum(amount) from staging.stg_shop__transactions") == revenue
    assert query(db, "select customer_id, email from staging.stg_shop__transactions where transaction_id = 't0'") == [
        (None, None)
    ]
    # files written before the redaction lose her too: her person id and hashes outlive her rows
    after = run_export(db, out)
    google_email, meta_email = EMAIL_CASES[" Ann.Lee@GMail.com "]
    forms = {ann["external_id"], meta_email, sha(meta_email), sha(google_email)}
    assert forms <= cells_on_disk(after / "changes")  # her removal, for the destinations to apply
    assert not (cells_on_disk(before) | {v for rows in exported_rows(after).values() for r in rows for v in r.values()}) & forms

    # the shop sends her email again: the person it makes is erased, and exported nowhere
    write_csv(
        tmp_path / "later" / "transactions.csv",
        [*RAW_CONTRACT["transactions"][0], "loaded_at"],
        [
            {
                "transaction_id": "t-later",
                "email": "Ann.Lee@GMail.com",
                "ordered_at": "2026-10-31T10:00:00Z",
                "status": "completed",
                "currency": "GBP",
                "amount": "3000.00",
                "loaded_at": "2026-10-31 14:00:00",
            }
        ],
    )
    load(tmp_path / "later", db)
    dbt("build", *NOT_A_LIVE_FEED, db=db, project_dir=project)
    [(erased,)] = query(
        db,
        """select profiles.is_erased from marts.dim_customer_profiles as profiles
           inner join identity.int_identifiers_resolved as identifiers on profiles.person_id = identifiers.person_id
           where identifiers.identifier_key = 'email:ann.lee@gmail.com'""",
    )
    assert erased
    later = run_export(db, out)
    assert not cells_on_disk(later) & forms


def test_the_redaction_of_a_warehouse_never_built_stops_saying_so(tmp_path):
    result = dbt("run-operation", "redact_erased_people", db=tmp_path / "empty.duckdb", check=False)
    assert result.returncode != 0
    assert "does not exist; run dbt build first, so the erased people are known" in result.stdout
    assert not query(tmp_path / "empty.duckdb", "select * from information_schema.tables")
