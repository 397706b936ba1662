"""Audience exports: consent, erasure and suppression hold in every file; hashes follow the platforms'
documented normalisation; manifests, change sets and crash safety of the export command."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import export_audiences
from conftest import NOT_A_LIVE_FEED, copy_project, dbt, load, query, write_csv
from load_raw import RAW_CONTRACT
from warehouse import DuckDBWarehouse

LOADED = "2026-10-31 12:00:00"
# raw email -> (Google Customer Match form, Meta Custom Audiences form), written out by hand from
# their documentation: trim, lower-case; Google also drops the dots of gmail/googlemail mailboxes.
EMAIL_CASES = {
    " Ann.Lee@GMail.com ": ("annlee@gmail.com", "ann.lee@gmail.com"),
    "J.Smith@googlemail.com": ("jsmith@googlemail.com", "j.smith@googlemail.com"),
    "Mary.Jones+news@Example.co.uk": ("mary.jones+news@example.co.uk", "mary.jones+news@example.co.uk"),
    "  PETE@Shop.IO ": ("pete@shop.io", "pete@shop.io"),
}
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


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def exported_rows(run: Path) -> dict[tuple[str, str], list[dict]]:
    """(destination, segment) -> the rows of its CSV file."""
    result = {}
    for path in run.glob("*/*.csv"):
        if path.parent.parent.name == "changes":
            continue
        with path.open() as f:
            result[(path.parent.name, path.stem)] = list(csv.DictReader(f))
    return result


def dry_run(db: Path, out: Path) -> list[dict]:
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        return export_audiences.dry_run(out, wh)[1]
    finally:
        wh.close()


def run_export(db: Path, out: Path) -> Path:
    wh = DuckDBWarehouse(db, read_only=True)
    try:
        return export_audiences.export(out, wh)
    finally:
        wh.close()


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """VIP customers (one 2,500 GBP order each) whose CRM records carry the email and phone cases,
    plus one VIP per barring reason; built in a project copy whose suppression list names one."""
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
    contacts, transactions, requests = [], [], []
    people = [(email, None, "GB") for email in EMAIL_CASES] + [(None, phone, country) for phone, country in PHONE_CASES]
    people += [(f"barred.{reason}@shop-mail.net", None, "GB") for reason in BARRED]
    for i, (email, phone, country) in enumerate(people):
        reason = next((r for r in BARRED if email == f"barred.{r}@shop-mail.net"), None)
        contacts.append(
            {
                "contact_id": f"c{i}",
                "email": email,
                "phone": phone,
                "first_name": f"First{i}",
                "country": country,
                "email_opt_in": BARRED.get(reason, {}).get("email_opt_in", "true"),
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
    for table, rows in [("crm_contacts", contacts), ("transactions", transactions), ("privacy_requests", requests)]:
        write_csv(raw / f"{table}.csv", [*RAW_CONTRACT[table][0], "loaded_at"], rows)
    db = root / "warehouse.duckdb"
    load(raw, db)
    dbt("build", *NOT_A_LIVE_FEED, db=db, project_dir=project)
    return db, run_export(db, root / "out")


def test_hashes_follow_the_documented_normalisation(crafted):
    db, run = crafted
    rows = exported_rows(run)[("ad_platforms", "vip_lifetime_value")]
    hashes = {(r["google_email_sha256"], r["meta_email_sha256"], r["google_phone_sha256"], r["meta_phone_sha256"]) for r in rows}
    expected = {(sha(google), sha(meta), "", "") for google, meta in EMAIL_CASES.values()}
    expected |= {("", "", sha(google), sha(meta)) for google, meta in PHONE_CASES.values()}
    assert hashes == expected


def test_barred_customers_are_in_the_segment_but_in_no_export(crafted):
    db, run = crafted
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
    exported = {row["person_id"] for rows in exported_rows(run).values() for row in rows}
    assert len(exported) == len(EMAIL_CASES) + len(PHONE_CASES)
    assert not exported & barred
    reasons = query(db, "select exclusion_reason from customers.int_person_export_eligibility where exclusion_reason is not null")
    assert sorted(r[0] for r in reasons) == sorted(BARRED)


def test_email_audience_carries_the_normalised_email_and_first_name(crafted):
    db, run = crafted
    rows = exported_rows(run)[("email_marketing", "vip_lifetime_value")]
    assert sorted((r["email"], r["is_primary"]) for r in rows) == sorted((meta, "true") for _, meta in EMAIL_CASES.values())
    assert all(r["first_name"].startswith("First") and r["primary_segment"] == "vip_lifetime_value" for r in rows)


def test_no_opted_out_or_erased_person_in_any_file_of_the_sample(sample, tmp_path):
    run = run_export(sample.db, tmp_path / "out")
    exported = {row["person_id"] for rows in exported_rows(run).values() for row in rows}
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
    not_opted_in = {
        r[0] for r in query(sample.db, "select person_id from marts.dim_customer_profiles where not is_email_opted_in")
    }
    assert not exported & not_opted_in


def test_manifest_checksums_and_counts_match_the_files_and_a_rerun_changes_nothing(sample, tmp_path):
    first = run_export(sample.db, tmp_path / "out")
    second = run_export(sample.db, tmp_path / "out")
    assert (tmp_path / "out" / "latest").resolve() == second
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous_run"] == first.name and manifest["as_of_date"] == "2026-11-01"
    destinations = {(e["destination"], e["segment"]) for e in manifest["audiences"]}
    expected = set(
        query(
            sample.db,
            "select 'email_marketing', segment_name from marts.segment_catalogue"
            " where is_enabled and destinations like '%email_marketing%'",
        )
    )
    assert {d for d in destinations if d[0] == "email_marketing"} == expected
    for entry in manifest["audiences"]:
        for file in entry["files"].values():
            path = second / file["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"], path
        assert pq.read_table(second / entry["files"]["parquet"]["path"]).num_rows == entry["rows"]
        with (second / entry["files"]["csv"]["path"]).open() as f:
            assert sum(1 for _ in f) == entry["rows"] + 1
        assert (entry["changes"]["added"], entry["changes"]["removed"]) == (0, 0)
        assert (second / entry["changes"]["path"]).read_text() == "person_id,change\n"
    assert sum(e["rows"] for e in manifest["audiences"]) > 0


def test_change_sets_between_two_as_of_dates(sample, tmp_path):
    db = tmp_path / "w.duckdb"
    load(sample.data_dir / "raw", db)
    out = tmp_path / "out"
    members = {}
    for as_of in ["2026-10-18", "2026-11-01"]:
        dbt(
            "build",
            "--select",
            "+path:models/exports",
            "segment_catalogue",
            "--exclude-resource-type",
            "test",
            "unit_test",
            db=db,
            vars={"unified_segments_as_of_date": as_of},
        )
        members[as_of] = {
            (d, s, p)
            for d, s, p in query(
                db,
                """
            select 'email_marketing', segment_name, person_id from exports.audience_email_marketing union all
            select 'ad_platforms', segment_name, person_id from exports.audience_ad_platforms union all
            select 'bi', segment_name, person_id from exports.audience_bi_memberships""",
            )
        }
        if as_of == "2026-11-01":
            dry = dry_run(db, out)
        run = run_export(db, out)
    # the dry run wrote nothing and foretold the counts of the run that followed it
    assert len(list((out / "runs").iterdir())) == 2
    manifest = json.loads((run / "manifest.json").read_text())
    assert dry == [
        {
            "destination": e["destination"],
            "segment": e["segment"],
            "rows": e["rows"],
            "added": e["changes"]["added"],
            "removed": e["changes"]["removed"],
            "unchanged": e["rows"] - e["changes"]["added"],
        }
        for e in manifest["audiences"]
    ]
    added = members["2026-11-01"] - members["2026-10-18"]
    removed = members["2026-10-18"] - members["2026-11-01"]
    assert added and removed
    changes = set()
    for path in (run / "changes").glob("*/*.csv"):
        with path.open() as f:
            changes |= {(path.parent.name, path.stem, r["person_id"], r["change"]) for r in csv.DictReader(f)}
    assert changes == {(*m, "added") for m in added} | {(*m, "removed") for m in removed}
    assert sum(e["changes"]["added"] for e in manifest["audiences"]) == len(added)


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
