"""The unified-segments command: every user task is a subcommand with its own help, the commands
that read the warehouse say in one line what to do when there is none, and build, preview and
explain give answers the warehouse confirms."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CLI, PROJECT_DIR, query
from unified_segments.cli import app

# What a user does with the project (issue 19): each must be a command of its own.
USER_TASKS = ("generate", "load", "build", "quality", "export", "report", "evaluate", "benchmark", "explain", "preview")


def run(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb", "COLUMNS": "200"}
    return subprocess.run([*CLI, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


def listed_commands() -> list[str]:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return re.findall(r"^│ ([a-z][a-z-]+) {2,}", result.output, flags=re.MULTILINE)


def test_the_help_lists_every_task_and_each_has_its_own_help():
    commands = listed_commands()
    assert set(USER_TASKS) <= set(commands), f"missing from --help: {set(USER_TASKS) - set(commands)}"
    for command in commands:
        result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, f"{command} --help: {result.output}"
        assert f"Usage: unified-segments {command}" in result.output or f"Usage: root {command}" in result.output


@pytest.mark.parametrize(
    "args",
    [("report",), ("export", "--dry-run"), ("preview", "at_risk"), ("explain", "ann@example.com"), ("weights",)],
    ids=lambda args: args[0],
)
def test_a_command_that_reads_the_warehouse_before_a_build_says_what_to_do_in_one_line(tmp_path, args):
    db = tmp_path / "warehouse.duckdb"
    result = run(*args, db=db)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    build_first = "build it first (make build, or unified-segments load and unified-segments build)"
    assert result.stderr.strip() == f"{db}: no warehouse here yet; {build_first}"


def test_build_runs_dbt_and_sums_up_its_results(sample, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)  # the build writes its test results to the warehouse
    target = ("--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"))
    built = run("build", "--select", "int_segment_rule_inputs", *target, db=db)
    assert built.returncode == 0, built.stdout + built.stderr
    # the view's two key tests pass; the view and the project's hooks succeed
    assert re.search(r"^dbt build: 2 pass, \d+ success in \d+ s$", built.stdout, flags=re.MULTILINE), built.stdout
    someday = ("--vars", "{unified_segments_as_of_date: someday}")
    broken = run("build", "--select", "int_segment_rule_inputs", *someday, *target, db=db)
    assert broken.returncode == 1
    assert "unified_segments_as_of_date" in broken.stdout + broken.stderr and "Traceback" not in broken.stderr


def test_preview_counts_what_the_build_counts(sample):
    (at_risk,) = query(sample.db, "select count(*) from marts.dim_customer_segments where is_at_risk")[0]
    named = run("preview", "at_risk", db=sample.db)
    assert named.returncode == 0, named.stderr
    assert named.stdout.splitlines()[0] == "at_risk: rfm_segment in ('At risk', 'Cannot lose them')"
    assert f"matches {at_risk:,} of " in named.stdout

    (repeat,) = query(sample.db, "select count(*) from marts.dim_customer_profiles where orders >= 2")[0]
    (emailable,) = query(
        sample.db,
        "select count(*) from marts.dim_customer_profiles as profiles "
        "inner join customers.int_person_export_eligibility as e on profiles.person_id = e.person_id "
        "where profiles.orders >= 2 and e.export_family = 'email_marketing' and e.is_exportable",
    )[0]
    expression = run("preview", "orders >= 2", db=sample.db)
    assert expression.returncode == 0, expression.stderr
    assert f"matches {repeat:,} of " in expression.stdout and f"exportable to email_marketing: {emailable:,}" in expression.stdout
    assert 0 < emailable < repeat


def test_preview_of_a_rule_that_does_not_run_says_why_in_one_line(sample):
    typo = run("preview", "ordrs >= 2", db=sample.db)
    assert typo.returncode == 1 and "Traceback" not in typo.stderr
    assert typo.stderr.startswith("the rule does not run:") and "ordrs" in typo.stderr and len(typo.stderr.splitlines()) == 1
    placeholder = run("preview", "orders >= {min_orders}", db=sample.db)
    assert placeholder.stderr.strip() == "the rule has a placeholder ({min_orders}): put its value in"


def test_explain_prints_a_chain_of_kept_links_from_one_identifier_to_the_other(sample):
    # a person seen on a browser and, elsewhere, with a phone: no single row shows both
    start, goal = query(
        sample.db,
        """
        select min(identifier_key) filter (where identifier_type = 'anonymous_id'),
               min(identifier_key) filter (where identifier_type = 'phone')
        from identity.int_identifiers_resolved
        group by person_id
        having count(*) filter (where identifier_type = 'anonymous_id') > 0
           and count(*) filter (where identifier_type = 'phone') > 0
        order by 1
        limit 1
        """,
    )[0]
    kept = {
        frozenset(pair)
        for pair in query(
            sample.db,
            "select identifier_key_a, identifier_key_b from identity.int_identity_edge_decisions where decision = 'kept'",
        )
    }
    result = run("explain", start, goal, db=sample.db)
    assert result.returncode == 0, result.stderr
    links = re.findall(r"^  (\S+) -- (\S+)$", result.stdout, flags=re.MULTILINE)
    assert links and all(frozenset(link) in kept for link in links)
    walked = start
    for a, b in links:  # each link starts where the last one ended
        assert walked in (a, b)
        walked = b if walked == a else a
    assert walked == goal
    assert f"linked to {goal} by {len(links)} link(s):" in result.stdout


def test_explain_says_when_two_identifiers_are_different_people(sample):
    first, second = (
        row[0]
        for row in query(
            sample.db,
            "select min(identifier_key) from identity.int_identifiers_resolved where identifier_type = 'email' "
            "group by person_id order by 1 limit 2",
        )
    )
    result = run("explain", first, second, db=sample.db)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.fullmatch(rf"{re.escape(first)} is p_\w+ and {re.escape(second)} is p_\w+: they are not linked\n", result.stderr)


def test_build_with_history_first_builds_the_segments_of_earlier_weeks(sample, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    target = ("--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"))
    built = run("build", "--history", "1", "--select", "fct_segment_sizes", *target, db=db)
    assert built.returncode == 0, built.stdout + built.stderr
    dates = [d.isoformat() for (d,) in query(db, "select distinct as_of_date from marts.fct_segment_sizes order by 1")]
    assert dates == ["2026-10-25", "2026-11-01"]  # a week before the project's as-of date, and the date itself
    refused = run("build", "--history", "1", "--vars", "{unified_segments_as_of_date: 2026-11-01}", *target, db=db)
    assert refused.returncode == 1 and refused.stderr.strip() == (
        "--history builds weeks before the project's as-of date: give it without --vars"
    )


def test_the_modules_still_run_as_files(tmp_path):
    """`python scripts/load_raw.py DIR`, as the README said before the command existed, still loads,
    and every module with a command answers --help run as a file."""
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "crm_contacts.csv").write_text("contact_id,email,updated_at\nC1,ann@example.com,2026-10-01 10:00:00\n")
    env = {**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "UNIFIED_SEGMENTS_TARGET": "duckdb"}
    loaded = subprocess.run(
        [sys.executable, "scripts/load_raw.py", str(folder)], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "raw.crm_contacts: loaded 1 rows from 1 file(s)" in loaded.stdout
    for script in sorted((PROJECT_DIR / "scripts").glob("*.py")):
        if 'if __name__ == "__main__":' in script.read_text():
            helped = subprocess.run([sys.executable, str(script), "--help"], cwd=PROJECT_DIR, capture_output=True, text=True)
            assert helped.returncode == 0 and "Usage:" in helped.stdout, f"{script.name}: {helped.stderr[-500:]}"
