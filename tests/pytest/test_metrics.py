"""The semantic layer: `mf query` answers the segment metrics the marts imply."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project, dbt, query

MF = str(Path(sys.executable).with_name("mf"))


def test_mf_query_matches_the_marts(sample, tmp_path):
    project = copy_project(tmp_path / "project")
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    dbt("parse", db=db, project_dir=project)
    (project / "target").mkdir()
    shutil.copy(tmp_path / "dbt_target" / "semantic_manifest.json", project / "target" / "semantic_manifest.json")
    out = tmp_path / "metrics.csv"
    result = subprocess.run(
        [
            MF,
            "query",
            "--metrics",
            "segment_size,segment_revenue,average_order_value,conversion_rate",
            "--group-by",
            "segment_member__segment_name,segment_member__arm",
            "--csv",
            str(out),
        ],
        cwd=project,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(project),
            "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db),
            "UNIFIED_SEGMENTS_TARGET": "duckdb",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open() as f:
        got = {(r["segment_member__segment_name"], r["segment_member__arm"]): r for r in csv.DictReader(f)}
    # per segment and arm: at_risk's 10 % holdout is compared with its treatment
    expected = query(
        db,
        """
        select m.segment_name, m.arm, count(*), sum(p.net_revenue), sum(p.net_revenue) / sum(p.orders),
               avg(case when p.orders_30d > 0 then 1.0 else 0.0 end)
        from marts.fct_segment_memberships m join marts.dim_customer_profiles p using (person_id)
        group by 1, 2""",
    )
    assert set(got) == {r[:2] for r in expected} and len(expected) > 5
    assert {("at_risk", "treatment"), ("at_risk", "holdout")} <= set(got)
    for segment, arm, size, revenue, aov, conversion in expected:
        row = got[segment, arm]
        assert int(row["segment_size"]) == size
        assert float(row["segment_revenue"]) == pytest.approx(float(revenue), rel=1e-9)
        assert float(row["conversion_rate"]) == pytest.approx(float(conversion), rel=1e-9)
        if aov is not None:
            assert float(row["average_order_value"]) == pytest.approx(float(aov), rel=1e-9)
