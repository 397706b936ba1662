"""The unified profile: totals reconcile with the staged data, and erasure leaves no PII behind."""

from __future__ import annotations

import csv
from decimal import Decimal

from conftest import PROJECT_DIR, query

AS_OF_END = "timestamp '2026-11-02 00:00:00'"  # the end of the default as-of date, 2026-11-01


def rates_to_gbp() -> dict[str, Decimal]:
    with (PROJECT_DIR / "seeds" / "currency_rates.csv").open() as f:
        return {r["currency"]: Decimal(r["rate"]) for r in csv.DictReader(f) if r["reporting_currency"] == "GBP"}


def test_orders_and_revenue_add_up_to_the_staged_transactions(sample):
    staged = query(
        sample.db,
        f"""
        select currency, status, count(*), sum(amount) from staging.stg_shop__transactions
        where ordered_at < {AS_OF_END} group by 1, 2""",
    )
    rates = rates_to_gbp()
    completed = sum(n for _, status, n, _ in staged if status == "completed")
    net = sum(total * rates[currency] for currency, status, _, total in staged if status in ("completed", "refunded"))
    orders, revenue, buyers = query(
        sample.db,
        "select sum(orders), sum(net_revenue), count(case when net_revenue <> 0 then 1 end) from marts.dim_customer_profiles",
    )[0]
    assert orders == completed > 0
    assert abs(revenue - net) <= Decimal("0.005") * buyers  # each person's revenue is rounded to pennies


def test_one_profile_per_person_and_every_person_has_a_profile(sample):
    persons = query(
        sample.db,
        """
        select count(distinct person_id) from (
            select person_id from identity.int_identifiers_resolved where person_id is not null
            union all select person_id from identity.int_source_rows_resolved)""",
    )[0][0]
    assert query(sample.db, "select count(*), count(distinct person_id) from marts.dim_customer_profiles") == [(persons, persons)]


def test_an_erased_persons_data_is_nowhere_in_the_profiles(sample):
    erased_emails = {
        r[0]
        for r in query(
            sample.db,
            """
        select identifier_value from staging.stg_privacy__requests
        where request_type = 'erasure' and identifier_type = 'email'""",
        )
    }
    assert erased_emails
    profile_emails = {r[0] for r in query(sample.db, "select email from marts.dim_customer_profiles where email is not null")}
    assert not erased_emails & profile_emails
    erased = query(
        sample.db,
        """
        select count(*), count(coalesce(email, phone, first_name, last_name, city, postal_code, primary_user_id))
        from marts.dim_customer_profiles where is_erased""",
    )[0]
    assert erased[0] > 0 and erased[1] == 0
