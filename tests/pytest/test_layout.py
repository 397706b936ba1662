"""The layout rules `make lint` checks with dbt-score (scripts/lint_rules.py): the project keeps
them, and a project that breaks each one fails, naming the model and the rule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import DBT, copy_project

DBT_SCORE = str(Path(sys.executable).with_name("dbt-score"))


def score(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_PROFILES_DIR": str(project), "UNIFIED_SEGMENTS_DUCKDB_PATH": str(project / "lint.duckdb")}
    target = project / "target" / "lint"
    parsed = subprocess.run(
        [DBT, "parse", "--quiet", "--target-path", str(target)], cwd=project, env=env, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    result = subprocess.run(
        [DBT_SCORE, "lint", "--manifest", str(target / "manifest.json"), "--show", "failing-items"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    result.stdout = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # its colours
    return result


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: {old!r}"
    path.write_text(text.replace(old, new))


def test_the_project_keeps_its_layout_rules(tmp_path):
    result = score(copy_project(tmp_path / "project"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Project score: 10.0" in result.stdout


def test_a_project_that_breaks_each_layout_rule_fails_naming_it(tmp_path):
    project = copy_project(tmp_path / "project")
    models = project / "models"
    # an intermediate model reading the mart instead of the intermediate model it publishes
    edit(
        models / "intermediate" / "customers" / "int_erased_identifier_hashes.sql",
        "ref('int_customer_profiles')",
        "ref('dim_customer_profiles')",
    )
    # a model without its primary-key test
    edit(
        models / "marts" / "segments" / "_segment_catalogue.yml",
        "        description: Primary key.\n        data_tests: [unique, not_null]\n",
        "        description: Primary key.\n",
    )
    # a model BI reads without an enforced contract (a model's own config wins over its YAML)
    sql = models / "marts" / "segments" / "fct_segment_memberships.sql"
    sql.write_text("{{ config(contract={'enforced': false}) }}\n" + sql.read_text())
    # an engine switch written in a model instead of a macro
    edit(
        models / "staging" / "tracking" / "base_tracking__events.sql",
        "materialized=unified_segments.incremental_with_deletes(),",
        "materialized='table' if target.type == 'spark' else 'incremental',",
    )

    result = score(project)
    assert result.returncode != 0
    output = result.stdout
    assert "int_erased_identifier_hashes" in output and "reads the mart(s) dim_customer_profiles" in output
    assert "segment_catalogue" in output and "no primary-key test" in output
    assert "segment_dashboard" in output and "without an enforced contract: fct_segment_memberships" in output
    assert "base_tracking__events" in output and "reads target.type" in output
    assert output.count("lint_rules.") == 4, output  # nothing else fails


def test_a_documented_reason_is_the_only_way_past_the_primary_key_rule(tmp_path):
    project = copy_project(tmp_path / "project")
    edit(
        project / "models" / "staging" / "crm" / "_crm__models.yml",
        '        no_primary_key: "one row per raw row',
        '        not_a_reason: "one row per raw row',
    )
    result = score(project)
    assert result.returncode != 0
    assert "base_crm__contacts" in result.stdout and "no primary-key test" in result.stdout
