"""Staging on generated data: every raw row accounted for, exactly as the generator injected it."""

from __future__ import annotations

import pytest

from conftest import query

SOURCES = {
    "events": "base_tracking__events",
    "crm_contacts": "base_crm__contacts",
    "transactions": "base_shop__transactions",
    "privacy_requests": "base_privacy__requests",
    "consent_records": "base_privacy__consents",
}
SOURCE_TABLES = {
    "events": "tracking.events",
    "crm_contacts": "crm.crm_contacts",
    "transactions": "shop.transactions",
    "privacy_requests": "privacy.privacy_requests",
    "consent_records": "privacy.consent_records",
}
STAGED = {
    "events": "stg_tracking__events",
    "crm_contacts": "stg_crm__contacts",
    "transactions": "stg_shop__transactions",
    "privacy_requests": "stg_privacy__requests",
    "consent_records": "stg_privacy__consents",
}


@pytest.mark.parametrize("table", SOURCES)
def test_raw_rows_split_exactly_as_the_generator_injected_them(sample, table):
    expected = sample.metadata["expected"][table]
    raw_rows = query(sample.db, f"select count(*) from raw.{table}")[0][0]
    staged = query(sample.db, f"select count(*) from staging.{STAGED[table]}")[0][0]
    quarantined = dict(
        query(sample.db, f"select quarantine_reason, count(*) from staging.{STAGED[table]}_quarantined group by 1")
    )
    removed = dict(
        query(
            sample.db,
            f"""
        select row_disposition, count(*) from staging.{SOURCES[table]}
        where row_disposition not in ('staged', 'quarantined') group by 1""",
        )
    )

    field_issues = dict(
        query(
            sample.db,
            f"""
        select column_name || ':' || issue_reason, count(*) from staging.stg_field_issues
        where source_table = '{SOURCE_TABLES[table]}' group by 1""",
        )
    )

    assert raw_rows == expected["raw_rows"]
    assert staged == expected["staged"]
    assert field_issues == expected["field_issues"]
    assert quarantined == expected["quarantined"]
    assert removed == expected["removed"]
    assert raw_rows == staged + sum(quarantined.values()) + sum(removed.values())


def test_every_generated_phone_format_normalises_to_the_true_number(sample):
    truth = f"read_parquet('{sample.data_dir}/ground_truth/identifiers/*.parquet')"
    unknown = query(
        sample.db,
        f"""
        select phone from staging.stg_crm__contacts where phone is not null
        except select identifier_value from {truth} where identifier_type = 'phone'""",
    )
    total = query(sample.db, "select count(phone) from staging.stg_crm__contacts")[0][0]
    assert total > 500
    assert unknown == []


def test_every_messy_email_normalises_to_the_true_address(sample):
    truth = f"read_parquet('{sample.data_dir}/ground_truth/identifiers/*.parquet')"
    # Junk placeholders (test@test.com ...) are real-world noise no person owns; identity blocks them.
    unknown = query(
        sample.db,
        f"""
        select email from staging.stg_crm__contacts where email is not null
        union select email from staging.stg_shop__transactions where email is not null
        except select identifier_value from {truth} where identifier_type = 'email'""",
    )
    assert {row[0] for row in unknown} <= {"test@test.com", "noemail@example.com", "a@a.com"}


def test_late_and_offset_timestamps_are_staged_in_utc(sample):
    late = query(
        sample.db,
        """
        select count(*) from staging.stg_tracking__events
        where loaded_at > occurred_at + interval 1 day""",
    )[0][0]
    assert late > 0
    # Some raw times carry a +01:00 / +02:00 / -05:00 offset; staged times are UTC, so an event
    # never lands before it happened (beyond the clock-skew tolerance).
    assert query(
        sample.db,
        """
        select count(*) from staging.stg_tracking__events
        where occurred_at > loaded_at + interval 60 minute""",
    ) == [(0,)]
    offsets = query(
        sample.db,
        """
        select count(*) from raw.events inner join staging.stg_tracking__events using (event_id, loaded_at)
        where raw.events.occurred_at like '%+0_:00'""",
    )[0][0]
    assert offsets > 0
