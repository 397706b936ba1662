"""The unified profile: totals reconcile with the staged data, and erasure leaves no PII behind."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal

import yaml

from conftest import PROJECT_DIR, dbt, query

AS_OF_END = "timestamp '2026-11-02 00:00:00'"  # the end of the default as-of date, 2026-11-01


def rates_to_gbp() -> dict[str, Decimal]:
    with (PROJECT_DIR / "seeds" / "currency_rates.csv").open() as f:
        return {r["currency"]: Decimal(r["rate"]) for r in csv.DictReader(f) if r["reporting_currency"] == "GBP"}


def test_orders_and_revenue_add_up_to_the_staged_transactions(sample):
    """Every staged transaction that carries an identifier belongs to a profile; its amount counts
    in revenue when its currency has a rate, and in unconverted_transactions when not."""
    staged = query(
        sample.db,
        f"""
        select currency, status, count(*), sum(amount) from staging.stg_shop__transactions
        where ordered_at < {AS_OF_END} and (customer_id is not null or email is not null or phone is not null)
        group by 1, 2""",
    )
    rates = rates_to_gbp()
    completed = sum(n for _, status, n, _ in staged if status == "completed")
    net = sum(
        total * rates[currency]
        for currency, status, _, total in staged
        if status in ("completed", "refunded") and currency in rates
    )
    unconverted = sum(n for currency, _, n, _ in staged if currency not in rates)
    orders, revenue, buyers, profile_unconverted = query(
        sample.db,
        """select sum(orders), sum(net_revenue), count(case when net_revenue <> 0 then 1 end), sum(unconverted_transactions)
           from marts.dim_customer_profiles""",
    )[0]
    assert orders == completed > 0
    assert abs(revenue - net) <= Decimal("0.005") * buyers  # each person's revenue is rounded to pennies
    assert profile_unconverted == unconverted > 0  # the generator injects invalid currencies


def test_the_store_figures_count_every_staged_transaction(sample):
    staged = query(
        sample.db,
        f"select count(*), sum(case when customer_id is null and email is null and phone is null then 1 else 0 end) "
        f"from staging.stg_shop__transactions where ordered_at < {AS_OF_END}",
    )[0]
    store = query(sample.db, "select sum(all_transactions), sum(unattributed_transactions) from marts.fct_store_revenue_daily")[0]
    assert store == staged and staged[1] > 0  # guest sales with no identifier are the store's all the same


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


def test_a_survivorship_attribute_added_without_its_contract_column_fails_naming_it(sample, tmp_path):
    """Each attribute of var unified_segments_survivorship is a profile column: one added to the
    var alone stops the build at the profile's contract, which names the column. Until it is
    declared not personal, erased people's value of it is null."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    rules = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["unified_segments_survivorship"]
    rules = {**rules, "address_line": ["stg_crm__contacts"]}
    models = ("int_profile_attributes_survived", "int_customer_profiles", "dim_customer_profiles")
    result = dbt("run", "--select", *models, db=db, vars={"unified_segments_survivorship": rules}, check=False)
    assert result.returncode != 0
    assert "contract" in result.stdout and "address_line" in result.stdout
    (kept, erased, leaked) = query(
        db,
        "select count(address_line), count(case when is_erased then 1 end), "
        "count(case when is_erased and address_line is not null then 1 end) from customers.int_customer_profiles",
    )[0]
    (survived_for_erased,) = query(
        db,
        "select count(*) from customers.int_profile_attributes_survived as attributes "
        "inner join customers.int_customer_profiles as profiles on attributes.person_id = profiles.person_id "
        "where profiles.is_erased and attributes.attribute_name = 'address_line' and attributes.attribute_value is not null",
    )[0]
    assert kept > 0 and erased > 0 and survived_for_erased > 0 and leaked == 0
