"""Phones for every region: staging's E.164 against libphonenumber (the phonenumbers package) on
its example numbers of every region, written the national way with the row's country and the
international way."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from conftest import dbt, load, query, write_csv
from unified_segments import generate_phone_countries
from unified_segments.load_raw import RAW_CONTRACT

# Regions whose national dialling is more than a trunk prefix (Argentina's mobile 15, Belarus' 80):
# only the trunk prefix is modelled, so their national form may differ; the international form must not.
APPROXIMATED = set(generate_phone_countries.approximated_regions())


def examples() -> list[tuple[str, str, str, str]]:
    """(row key, region, how it is written, libphonenumber's E.164) per region and number type."""
    rows = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            for style, fmt in (("national", PhoneNumberFormat.NATIONAL), ("international", PhoneNumberFormat.INTERNATIONAL)):
                rows.append((f"{region}-{kind}-{style}", region, phonenumbers.format_number(number, fmt), e164))
    return rows


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    root = tmp_path_factory.mktemp("phones")
    cases = examples()
    contacts = [
        {"contact_id": key, "phone": written, "country": region, "updated_at": "2026-10-01"} for key, region, written, _ in cases
    ]
    write_csv(root / "raw" / "crm_contacts.csv", RAW_CONTRACT["crm_contacts"][0], contacts)
    db = root / "warehouse.duckdb"
    load(root / "raw", db)
    dbt("run", "--select", "base_crm__contacts", db=db)
    got = dict(query(db, "select contact_id, phone from staging.base_crm__contacts"))
    issues = dict(query(db, "select contact_id, phone_issue from staging.base_crm__contacts where phone_issue is not null"))
    return cases, got, issues


def test_the_generated_metadata_is_current():
    generate_phone_countries.main(check=True)  # exits naming the file when phonenumbers changed


def test_every_regions_example_numbers_match_libphonenumber(staged):
    cases, got, issues = staged
    assert len({region for _, region, _, _ in cases}) > 240
    wrong = {key: (written, got[key], e164, issues.get(key)) for key, _, written, e164 in cases if got[key] != e164}
    international = {key: v for key, v in wrong.items() if key.endswith("-international")}
    assert not international, f"international numbers that differ: {international}"
    unexpected = {key: v for key, v in wrong.items() if key.split("-")[0] not in APPROXIMATED}
    assert not unexpected, f"national numbers that differ outside the approximated regions: {unexpected}"
    assert len(wrong) <= 0.05 * len(cases)


def test_a_national_number_of_an_unknown_country_gets_no_code(tmp_path):
    rows = [
        {"contact_id": "zz", "phone": "0912 345 678", "country": "ZZ", "updated_at": "2026-10-01"},
        {"contact_id": "named", "phone": "0912 345 678", "country": "United Kingdom", "updated_at": "2026-10-01"},
        {"contact_id": "plus", "phone": "+55 11 91234 5678", "country": "ZZ", "updated_at": "2026-10-01"},
    ]
    write_csv(tmp_path / "raw" / "crm_contacts.csv", RAW_CONTRACT["crm_contacts"][0], rows)
    db = tmp_path / "warehouse.duckdb"
    load(tmp_path / "raw", db)
    dbt("run", "--select", "base_crm__contacts", db=db)
    assert sorted(query(db, "select contact_id, phone, phone_issue from staging.base_crm__contacts")) == [
        ("named", None, "phone_country_unknown"),
        ("plus", "+5511912345678", None),  # an international number carries its own code
        ("zz", None, "phone_country_unknown"),
    ]


def test_without_a_default_country_a_national_number_on_a_transaction_is_unknown(tmp_path):
    rows = [
        {"transaction_id": "t1", "phone": "07911 123456", "ordered_at": "2026-10-30", "status": "completed", "amount": "1"},
        {"transaction_id": "t2", "phone": "+44 7911 123456", "ordered_at": "2026-10-30", "status": "completed", "amount": "1"},
    ]
    write_csv(tmp_path / "raw" / "transactions.csv", RAW_CONTRACT["transactions"][0], rows)
    db = tmp_path / "warehouse.duckdb"
    load(tmp_path / "raw", db)
    dbt("run", "--select", "base_shop__transactions", db=db, vars={"unified_segments_default_phone_country": None})
    assert sorted(query(db, "select transaction_id, phone, phone_issue from staging.base_shop__transactions")) == [
        ("t1", None, "phone_country_unknown"),
        ("t2", "+447911123456", None),
    ]
