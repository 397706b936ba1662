"""Segments: the catalogue is configuration, membership is exact, history follows the as-of date."""

from __future__ import annotations

import csv
import hashlib
import shutil
from decimal import Decimal

import pytest

from conftest import PROJECT_DIR, dbt, load, query
from unified_segments import sync_segment_contract

AS_OF_END = "timestamp '2026-11-02 00:00:00'"
CATALOGUE = "models/marts/segments/_segment_catalogue.yml"
NEW_ENTRY = """
          - name: big_baskets
            description: Average order of 300 or more
            rule: "average_order_value >= {min_average_order_value}"
            params: {min_average_order_value: 300}
            priority: 5
            min_size: 1
            min_share: 0.0
            severity: warn
            owner: test
            destinations: [bi]
            enabled: true
"""


def add_entry(project, entry: str) -> None:
    catalogue = project / CATALOGUE
    catalogue.write_text(catalogue.read_text().rstrip("\n") + "\n" + entry.strip("\n").replace("\n", "\n") + "\n")


def test_adding_a_segment_is_one_catalogue_entry(sample, project_copy, tmp_path):
    add_entry(project_copy, NEW_ENTRY)
    sync_segment_contract.main(project_dir=project_copy)
    db = tmp_path / "w.duckdb"
    load(sample.data_dir / "raw", db)
    dbt("build", db=db, project_dir=project_copy)
    columns = [
        r[0] for r in query(db, "select column_name from information_schema.columns where table_name = 'dim_customer_segments'")
    ]
    assert "is_big_baskets" in columns
    members = query(db, "select count(*) from marts.fct_segment_memberships where segment_name = 'big_baskets'")[0][0]
    expected = query(db, "select count(*) from marts.dim_customer_profiles where average_order_value >= 300")[0][0]
    assert members == expected > 0
    # priority 5 beats every shipped segment, so each member has it as primary segment
    assert query(db, "select count(*) from marts.dim_customer_segments where primary_segment = 'big_baskets'") == [(expected,)]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            NEW_ENTRY.replace("average_order_value >=", "average_basket >="),
            "segment 'big_baskets' (models/marts/segments/_segment_catalogue.yml): unknown column 'average_basket' in the rule",
        ),
        (
            NEW_ENTRY.replace("big_baskets", "lapsed"),
            "segment 'lapsed' (models/marts/segments/_segment_catalogue.yml): the name is used by another entry",
        ),
        (
            NEW_ENTRY.replace("destinations: [bi]", "destinations: [fax]"),
            "segment 'big_baskets' (models/marts/segments/_segment_catalogue.yml): unknown destination 'fax'",
        ),
        (
            NEW_ENTRY.replace('            rule: "average_order_value >= {min_average_order_value}"\n', ""),
            "segment 'big_baskets' (models/marts/segments/_segment_catalogue.yml): no rule",
        ),
        (
            NEW_ENTRY.replace("enabled: true", "arms: {treatment: 90, holdout: 0}\n            enabled: true"),
            "segment 'big_baskets' (models/marts/segments/_segment_catalogue.yml): arm 'holdout' needs a positive weight, not 0",
        ),
    ],
    ids=["unknown column", "duplicate name", "unknown destination", "missing rule", "zero arm weight"],
)
def test_a_bad_catalogue_entry_fails_at_compile_time_naming_it(sample, project_copy, entry, message):
    add_entry(project_copy, entry)
    result = dbt(
        "compile", "-s", "segment_catalogue", db=sample.db.parent / "bad" / "w.duckdb", check=False, project_dir=project_copy
    )
    assert result.returncode != 0
    assert message in result.stdout


ARMS = {"a": 45, "b": 45, "holdout": 10}


def fraction(salt: str, purpose: str, person: str) -> float:
    """The documented assignment rule, written again here: the first six hex digits of the md5 of
    salt:purpose:person_id, over 16^6."""
    return int(hashlib.md5(f"{salt}:{purpose}:{person}".encode()).hexdigest()[:6], 16) / 16**6


def test_arms_split_members_by_a_salted_hash_and_holdouts_and_the_global_control_are_not_exported(sample, project_copy, tmp_path):
    add_entry(
        project_copy,
        NEW_ENTRY.replace("big_baskets", "everyone_split")
        .replace('"average_order_value >= {min_average_order_value}"', '"person_id is not null"')
        .replace("priority: 5", "priority: 999")
        .replace("destinations: [bi]", "destinations: [email_marketing, bi]\n            arms: {a: 45, b: 45, holdout: 10}"),
    )
    sync_segment_contract.main(project_dir=project_copy)
    db = tmp_path / "w.duckdb"
    load(sample.data_dir / "raw", db)
    salt, control = "unified-segments", 0.1
    dbt("build", db=db, project_dir=project_copy, vars={"unified_segments_global_control_share": control})
    arms = dict(query(db, "select person_id, arm from marts.fct_segment_memberships where segment_name = 'everyone_split'"))
    assert len(arms) == query(db, "select count(*) from marts.dim_customer_profiles")[0][0] > 2000
    # every arm is the documented rule's, recomputed in Python
    bounds = [("a", 0.45), ("b", 0.90), ("holdout", 1.0)]
    for person, arm in arms.items():
        expected = (
            "global_control"
            if fraction(salt, "global", person) < control
            else next(name for name, upper in bounds if fraction(salt, "everyone_split", person) < upper)
        )
        assert arm == expected, person
    # shares within 2 points of the configured ones
    assert abs(sum(a == "global_control" for a in arms.values()) / len(arms) - control) < 0.02
    split = [a for a in arms.values() if a != "global_control"]
    for name, weight in ARMS.items():
        assert abs(split.count(name) / len(split) - weight / 100) < 0.02, name
    # stable at another as-of date
    dbt(
        "run",
        "--select",
        "fct_segment_memberships",
        db=db,
        project_dir=project_copy,
        vars={"unified_segments_global_control_share": control, "unified_segments_as_of_date": "2026-10-18"},
    )
    again = dict(query(db, "select person_id, arm from marts.fct_segment_memberships where segment_name = 'everyone_split'"))
    assert again and all(arms[p] == a for p, a in again.items())
    # the holdout and the global control group are in no export; the global control group says why
    exported = query(
        db,
        "select arm from exports.audience_email_marketing union select arm from exports.audience_bi_memberships",
    )
    assert {a for (a,) in exported} <= {"a", "b", "treatment"}
    in_control = {p for p, a in arms.items() if a == "global_control"}
    reasons = dict(
        query(db, "select person_id, exclusion_reason from customers.int_person_export_eligibility where export_family = 'bi'")
    )
    assert {reasons[p] for p in in_control} <= {
        "global_control",
        "no_consent",
        "consent_withdrawn",
        "erased",
        "marketing_opt_out",
        "suppressed",
    }
    assert "global_control" in {reasons[p] for p in in_control}


def members(db, segment: str) -> set[str]:
    return {r[0] for r in query(db, "select person_id from marts.fct_segment_memberships where segment_name = ?", [segment])}


def test_three_segments_match_an_independent_computation(sample):
    """Recomputed from the staged rows with plain SQL (the person of each row from identity)."""
    person_of = "identity.int_source_rows_resolved"
    # VIP: lifetime net revenue >= 2000 in GBP (rates from the seed file, applied in Python).
    with (PROJECT_DIR / "seeds" / "currency_rates.csv").open() as f:
        rates = {r["currency"]: Decimal(r["rate"]) for r in csv.DictReader(f)}
    revenue: dict[str, Decimal] = {}
    for person, currency, amount in query(
        sample.db,
        f"""
            select r.person_id, t.currency, t.amount from staging.stg_shop__transactions t
            join {person_of} r on r.source_model = 'stg_shop__transactions' and r.source_row_key = t.transaction_id
            where t.status in ('completed', 'refunded') and t.ordered_at < {AS_OF_END}""",
    ):
        if currency in rates:  # a transaction without a valid currency counts in no revenue
            revenue[person] = revenue.get(person, Decimal(0)) + round(amount * rates[currency], 2)
    vip = {p for p, total in revenue.items() if total >= 2000}
    assert vip and members(sample.db, "vip_lifetime_value") == vip

    # New users: first signup event on one of the 8 days up to the as-of date.
    new_users = {
        r[0]
        for r in query(
            sample.db,
            f"""
        select r.person_id from staging.stg_tracking__events e
        join {person_of} r on r.source_model = 'stg_tracking__events' and r.source_row_key = e.event_id
        where e.event_type = 'signup' and e.occurred_at < {AS_OF_END}
        group by r.person_id having min(e.occurred_at) >= timestamp '2026-10-25 00:00:00'""",
        )
    }
    assert new_users and members(sample.db, "new_users") == new_users

    # Cart abandoners: last cart add in the final 48 hours, no purchase event at or after it.
    abandoners = {
        r[0]
        for r in query(
            sample.db,
            f"""
        with person_events as (
            select r.person_id, e.event_type, e.occurred_at from staging.stg_tracking__events e
            join {person_of} r on r.source_model = 'stg_tracking__events' and r.source_row_key = e.event_id
            where e.occurred_at < {AS_OF_END}
        )
        select person_id from person_events group by person_id
        having max(case when event_type = 'add_to_cart' then occurred_at end) >= timestamp '2026-10-31 00:00:00'
           and coalesce(max(case when event_type = 'purchase' then occurred_at end), timestamp '1900-01-01')
               < max(case when event_type = 'add_to_cart' then occurred_at end)""",
        )
    }
    assert abandoners and members(sample.db, "cart_abandoners") == abandoners


def test_builds_at_two_as_of_dates_record_entries_exits_and_transitions(sample, tmp_path):
    db = tmp_path / "history.duckdb"
    shutil.copy(sample.db, db)
    selection = ["-s", "+fct_segment_membership_history", "+fct_segment_transitions", "--exclude", "fixtures"]
    dbt("run", *selection, "--full-refresh", db=db, vars={"unified_segments_as_of_date": "2026-10-15"})
    first = query(db, "select person_id, segment_name from marts.fct_segment_memberships")
    first_primary = dict(query(db, "select person_id, coalesce(primary_segment, 'none') from marts.dim_customer_segments"))
    dbt("run", *selection, db=db, vars={"unified_segments_as_of_date": "2026-11-01"})
    second = query(db, "select person_id, segment_name from marts.fct_segment_memberships")
    second_primary = dict(query(db, "select person_id, coalesce(primary_segment, 'none') from marts.dim_customer_segments"))

    stayed, left, joined = set(first) & set(second), set(first) - set(second), set(second) - set(first)
    assert stayed and left and joined
    expected = (
        {(p, s, "2026-10-15", None) for p, s in stayed}
        | {(p, s, "2026-10-15", "2026-11-01") for p, s in left}
        | {(p, s, "2026-11-01", None) for p, s in joined}
    )
    history = query(
        db,
        """select person_id, segment_name, entered_as_of::varchar, exited_as_of::varchar
                           from marts.fct_segment_membership_history""",
    )
    assert len(history) == len(expected)
    assert set(history) == expected

    moves = {
        (p, first_primary[p], second_primary[p])
        for p in second_primary
        if p in first_primary and first_primary[p] != second_primary[p]
    }
    transitions = set(query(db, "select person_id, from_segment, to_segment from marts.fct_segment_transitions"))
    assert moves and transitions == moves


def test_rfm_clusters_cover_every_customer_deterministically_with_k_from_the_var(sample, tmp_path):
    db = tmp_path / "clusters.duckdb"
    shutil.copy(sample.db, db)
    clusters = "select person_id, cluster_id, cluster_name from marts.customer_rfm_clusters order by person_id"
    first = query(db, clusters)
    customers = query(db, "select person_id from marts.dim_customer_profiles where orders > 0 order by person_id")
    assert [row[0] for row in first] == [row[0] for row in customers]
    (k,) = query(db, "select distinct cluster_count from marts.customer_rfm_clusters")[0]
    assert 2 <= k <= 6
    names = query(
        db, "select cluster_id, min(cluster_name), count(distinct cluster_name) from marts.customer_rfm_clusters group by 1"
    )
    assert len({name for _, name, _ in names}) == len(names) == k and all(n == 1 for _, _, n in names)

    dbt("run", "-s", "customer_rfm_clusters", db=db)
    assert query(db, clusters) == first
    dbt("run", "-s", "customer_rfm_clusters", db=db, vars={"unified_segments_cluster_k_range": [4, 4]})
    assert query(db, "select distinct cluster_count from marts.customer_rfm_clusters") == [(4,)]

    # k chosen on a sample of 200 customers, then fitted on all: everyone still gets a cluster, the
    # same one run after run; a sample that cannot hold the largest k fails naming the var.
    sampled = {"unified_segments_cluster_fit_sample": 200}
    dbt("run", "-s", "customer_rfm_clusters", db=db, vars=sampled)
    on_sample = query(db, clusters)
    assert [row[0] for row in on_sample] == [row[0] for row in customers] and len(customers) > 1000
    assert len({row[1] for row in on_sample}) >= 2
    dbt("run", "-s", "customer_rfm_clusters", db=db, vars=sampled)
    assert query(db, clusters) == on_sample
    failed = dbt("run", "-s", "customer_rfm_clusters", db=db, check=False, vars={"unified_segments_cluster_fit_sample": 6})
    assert failed.returncode != 0 and "unified_segments_cluster_fit_sample must be a whole number" in failed.stdout
