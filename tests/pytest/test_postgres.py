"""The same load step and staging on a real PostgreSQL server, equal to DuckDB's on the same data."""

from __future__ import annotations

import hashlib
import os
from unittest import mock

import psycopg2
import pytest

from conftest import ENGINE_COMPARED, dbt, query, write_csv
from pg_cluster import new_database
from unified_segments import check_expectations, load_raw
from unified_segments.warehouse import PostgresWarehouse, postgres_dsn


def pg_rows(env: dict, sql: str, params: list | None = None) -> list[tuple]:
    with mock.patch.dict(os.environ, env):
        wh = PostgresWarehouse(postgres_dsn())
    try:
        return wh.rows(sql, params or [])
    finally:
        wh.close()


def pg_load(env: dict, source_dir) -> dict:
    with mock.patch.dict(os.environ, env):
        wh = PostgresWarehouse(postgres_dsn())
    try:
        return load_raw.load(source_dir, wh)
    finally:
        wh.close()


def test_loader_is_idempotent_on_postgres_and_lands_nulls_as_nulls(postgres, tmp_path):
    postgres = new_database(postgres, "loader_test")
    columns = load_raw.RAW_CONTRACT["privacy_requests"][0]
    rows = [
        {"request_id": "r1", "identifier_type": "email", "identifier_value": "a@b.co", "request_type": "erasure"},
        {"request_id": "", "identifier_type": "email", "identifier_value": "a@b.co", "request_type": "erasure"},
    ]
    write_csv(tmp_path / "batch" / "privacy_requests.csv", columns, rows)
    pg_load(postgres, tmp_path / "batch")
    again = pg_load(postgres, tmp_path / "batch")
    assert again["privacy_requests"]["files_skipped"] == 1
    # An empty CSV field is read as NULL and must reach PostgreSQL as NULL through COPY.
    assert pg_rows(postgres, "select request_id from raw.privacy_requests order by 1 nulls first") == [(None,), ("r1",)]


def test_staging_identity_and_profiles_on_postgres_equal_duckdb(postgres, sample, tmp_path):
    postgres = new_database(postgres, "staging_test")
    pg_load(postgres, sample.data_dir / "raw")
    dbt("build", db=sample.db.parent / "pg" / "unused.duckdb", env=postgres)
    for model, columns in ENGINE_COMPARED.items():
        relation = model if "." in model else f"staging.{model}"
        order = ", ".join(columns.split(", ")[:2])
        on_duckdb = query(sample.db, f"select {columns} from {relation} order by {order}")
        on_postgres = pg_rows(postgres, f"select {columns} from {relation} order by {order}")
        assert len(on_postgres) == len(on_duckdb) > 0, model
        assert on_postgres == on_duckdb, model
    for model in (
        "stg_tracking__events_quarantined",
        "stg_crm__contacts_quarantined",
        "stg_shop__transactions_quarantined",
        "stg_privacy__requests_quarantined",
        "stg_privacy__consents_quarantined",
    ):
        sql = f"select quarantine_reason, count(*) from staging.{model} group by 1 order by 1"
        assert pg_rows(postgres, sql) == query(sample.db, sql), model

    # The GX checkpoint through GX's Postgres datasource passes, as on DuckDB.
    with mock.patch.dict(os.environ, postgres):
        wh = PostgresWarehouse(postgres_dsn())
        try:
            success, failures, _ = check_expectations.run(tmp_path / "gx", wh)
        finally:
            wh.close()
    assert (success, failures) == (True, [])

    # A BI login in the reader role (env var UNIFIED_SEGMENTS_PG_READER_ROLE) reads marts and exports only.
    pg_rows(postgres, "create role bi_user login; grant unified_segments_reader to bi_user; select 1")
    reader = {**postgres, "UNIFIED_SEGMENTS_PG_USER": "bi_user"}
    for relation in ("marts.dim_customer_profiles", "marts.fct_segment_sizes", "exports.audience_email_marketing"):
        assert pg_rows(reader, f"select count(*) from {relation}")[0][0] > 0, relation
    for relation in ("raw.events", "staging.stg_crm__contacts", "customers.int_person_export_eligibility", "audit.test_results"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
            pg_rows(reader, f"select count(*) from {relation}")

    # The redaction runs on PostgreSQL: tombstones hash the identifier keys as Python does, and no
    # raw event of an erased person is left.
    erased = query(
        sample.db,
        """select identifiers.identifier_key from identity.int_identifiers_resolved as identifiers
           inner join marts.dim_customer_profiles as profiles on identifiers.person_id = profiles.person_id
           where profiles.is_erased""",
    )
    assert erased
    dbt("run-operation", "redact_erased_people", db=sample.db.parent / "pg" / "unused.duckdb", env=postgres)
    tombstones = {h for (h,) in pg_rows(postgres, "select identifier_sha256 from raw.erasure_tombstones")}
    assert {hashlib.sha256(key.encode()).hexdigest() for (key,) in erased} <= tombstones
    erased_emails = [key.split(":", 1)[1] for (key,) in erased if key.startswith("email:")]
    assert erased_emails
    left = pg_rows(postgres, "select count(*) from raw.events where lower(trim(email)) = any(%s)", [erased_emails])
    assert left == [(0,)]
