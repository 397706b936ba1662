"""Great Expectations checkpoint on what leaves the warehouse: the unified profile and every export.

Suites: emails look like emails, hashed identifiers are 64 lower-case hex digits, every exported
row belongs to a consented, not erased, not opted-out person, no person twice within an audience,
row counts within bounds. Data Docs HTML lands in target/gx/ (open the printed index.html).

DuckDB: tables are read read-only with the duckdb client into pandas batches (GX 1.24's SQL
datasource does not work with DuckDB). PostgreSQL: GX's Postgres datasource runs the same queries.
Exits 1 when an expectation fails, naming the table, the expectation and a sample of bad values.

    unified-segments expectations [--docs-dir target/gx]
"""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from unified_segments import warehouse
from unified_segments.progress import step
from unified_segments.warehouse import PROJECT_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

EMAIL = warehouse.project_var("unified_segments_email_pattern")  # the pattern staging checks emails against
SHA256_HEX = r"^[0-9a-f]{64}$"
HASH_COLUMNS = [
    f"{platform}_{field}_sha256"
    for platform, fields in [
        ("google", ["email", "phone", "first_name", "last_name"]),
        ("meta", ["email", "phone", "first_name", "last_name", "zip", "country"]),
    ]
    for field in fields
]
# Every exported row with its person's consent to the purpose its family needs, and privacy
# requests (null when the person is unknown).
CONSENT = """
    select audience.*, eligibility.is_consented, profiles.has_marketing_opt_out, profiles.is_erased
    from {relation} as audience
    left join marts.dim_customer_profiles as profiles on audience.person_id = profiles.person_id
    left join customers.int_person_export_eligibility as eligibility
        on audience.person_id = eligibility.person_id and eligibility.export_family = '{family}'
"""


@dataclass
class Dataset:
    name: str
    sql: str
    expectations: list = field(default_factory=list)


def datasets(profiles: int, segments: int) -> list[Dataset]:
    """What to check; row-count bounds come from the number of profiles and enabled segments."""
    import great_expectations as gx

    e = gx.expectations

    def consented():
        return [
            e.ExpectColumnValuesToNotBeNull(column="is_consented"),
            e.ExpectColumnValuesToBeInSet(column="is_consented", value_set=[True]),
            e.ExpectColumnValuesToBeInSet(column="has_marketing_opt_out", value_set=[False]),
            e.ExpectColumnValuesToBeInSet(column="is_erased", value_set=[False]),
            e.ExpectCompoundColumnsToBeUnique(column_list=["person_id", "segment_name"]),
            e.ExpectTableRowCountToBeBetween(min_value=1, max_value=profiles * segments),
        ]

    return [
        Dataset(
            "dim_customer_profiles",
            "select person_id, email, phone, is_email_opted_in, is_erased from marts.dim_customer_profiles",
            [
                e.ExpectColumnValuesToBeUnique(column="person_id"),
                e.ExpectColumnValuesToNotBeNull(column="person_id"),
                e.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL),
                e.ExpectColumnValuesToMatchRegex(column="phone", regex=r"^\+[1-9][0-9]{6,14}$"),
                e.ExpectTableRowCountToBeBetween(min_value=1),
            ],
        ),
        Dataset(
            "audience_email_marketing",
            CONSENT.format(relation="exports.audience_email_marketing", family="email_marketing"),
            [
                e.ExpectColumnValuesToNotBeNull(column="email"),
                e.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL),
                *consented(),
            ],
        ),
        Dataset(
            "audience_ad_platforms",
            CONSENT.format(relation="exports.audience_ad_platforms", family="ad_platforms"),
            [*(e.ExpectColumnValuesToMatchRegex(column=c, regex=SHA256_HEX) for c in HASH_COLUMNS), *consented()],
        ),
        Dataset("audience_bi_memberships", CONSENT.format(relation="exports.audience_bi_memberships", family="bi"), consented()),
    ]


def checkpoint(context, wh: warehouse.Warehouse, checks: list[Dataset]):
    """One checkpoint over every dataset, with a Data Docs action; returns (checkpoint, batch parameters)."""
    import great_expectations as gx

    definitions = []
    if wh.engine == "postgres":
        dsn = warehouse.postgres_dsn()
        url = f"postgresql+psycopg2://{dsn['user']}:{dsn['password']}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
        source = context.data_sources.add_postgres("warehouse", connection_string=url)
    else:
        source = context.data_sources.add_pandas("warehouse")
    for check in checks:
        if wh.engine == "postgres":
            asset = source.add_query_asset(check.name, query=check.sql)
            batch = asset.add_batch_definition_whole_table("all rows")
        else:
            asset = source.add_dataframe_asset(check.name)
            batch = asset.add_batch_definition_whole_dataframe("all rows")
        suite = context.suites.add(gx.ExpectationSuite(name=check.name, expectations=check.expectations))
        definitions.append(context.validation_definitions.add(gx.ValidationDefinition(name=check.name, data=batch, suite=suite)))
    return context.checkpoints.add(
        gx.Checkpoint(
            name="what_leaves_the_warehouse",
            validation_definitions=definitions,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
        )
    )


def run(docs_dir: Path, wh: warehouse.Warehouse) -> tuple[bool, list[str], Path]:
    """Validate; returns (success, one line per failed expectation, the Data Docs index)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    profiles = wh.rows("select count(*) from marts.dim_customer_profiles")[0][0]
    segments = wh.rows("select count(*) from marts.segment_catalogue where is_enabled")[0][0]
    checks = datasets(profiles, max(segments, 1))
    shutil.rmtree(docs_dir / "gx", ignore_errors=True)  # a fresh GX project per run: the checks live in this file
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    point = checkpoint(context, wh, checks)
    if wh.engine == "postgres":
        outcomes = [(r.suite_name, r) for r in point.run().run_results.values()]
    else:
        import pandas as pd

        outcomes = []
        for definition, check in zip(point.validation_definitions, checks, strict=True):  # one dataframe each
            rows = wh.con.execute(check.sql)
            frame = pd.DataFrame(rows.fetchall(), columns=[c[0] for c in rows.description])
            outcomes.append((check.name, definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")))
        context.build_data_docs()
    failures = [line for name, outcome in outcomes for line in describe(name, outcome)]
    index = docs_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return not failures, failures, index


def describe(name: str, outcome) -> list[str]:
    lines = []
    for r in outcome.results:
        if r.success:
            continue
        config = r.expectation_config
        column = config.kwargs.get("column") or config.kwargs.get("column_list") or ""
        detail = r.result.get("partial_unexpected_list") or r.result.get("observed_value")
        count = r.result.get("unexpected_count")
        lines.append(f"{name}: {config.type} {column} failed" + (f" ({count} rows)" if count else "") + f": {detail}")
    return lines


def main(
    docs_dir: Annotated[Path, typer.Option(help="GX project and Data Docs folder")] = PROJECT_DIR / "target" / "gx",
) -> None:
    wh = warehouse.connect(read_only=True)
    try:
        with step("Great Expectations"):
            success, failures, index = run(docs_dir, wh)
    finally:
        wh.close()
    for line in failures:
        print(f"FAIL {line}")
    print(f"Great Expectations: {'all expectations met' if success else f'{len(failures)} failed'}; Data Docs: {index}")
    if not success:
        raise typer.Exit(1)


if __name__ == "__main__":  # run as a file, python scripts/check_expectations.py: the same command as in unified-segments
    typer.run(main)
