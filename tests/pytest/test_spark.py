"""The whole project on Spark (dbt-spark, session method, local mode, in its own venv): the loader,
`dbt build` with every test, and the same results as DuckDB on the same data."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC

import pyarrow.parquet as pq
import pytest

from conftest import ENGINE_COMPARED, PROJECT_DIR, dbt, query

SPARK_BIN = PROJECT_DIR / ".venv-spark" / "bin"
# Incremental by as-of date, which Spark does as a partition overwrite rather than delete+insert.
SPARK_COMPARED = {
    **ENGINE_COMPARED,
    "marts.fct_segment_sizes": "as_of_date, segment_name, rule_version, members, primary_members, profiles, member_share",
}


@pytest.fixture(scope="module")
def spark_env(tmp_path_factory) -> dict:
    """Environment for the profile's spark target, with a throw-away warehouse folder."""
    missing = []
    if not (SPARK_BIN / "dbt").is_file():
        missing.append(f"the Spark venv ({SPARK_BIN}): run `make install-spark`")
    if not shutil.which("java", path=os.environ.get("JAVA_HOME", "") + "/bin:" + os.environ.get("PATH", "")):
        missing.append(
            "Java 17 (`java` on PATH or under JAVA_HOME): apt install openjdk-17-jre-headless, or brew install openjdk@17"
        )
    if missing:
        message = "Spark tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("spark")
    return {"UNIFIED_SEGMENTS_TARGET": "spark", "UNIFIED_SEGMENTS_SPARK_DIR": str(root / "warehouse")}


def spark_python(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(SPARK_BIN / "python"), *args], cwd=PROJECT_DIR, env={**os.environ, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed on Spark:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def naive_utc(value):
    """Spark hands timestamps over in UTC with the zone attached; DuckDB's are naive UTC."""
    if getattr(value, "tzinfo", None) is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def test_project_builds_and_tests_on_spark_equal_to_duckdb(spark_env, sample, tmp_path):
    loaded = spark_python(spark_env, "-m", "unified_segments.load_raw", str(sample.data_dir / "raw"), "--target", "spark")
    assert "raw.events: loaded" in loaded

    # Every model and every data and unit test; the Python model and the membership history
    # (which updates rows: Delta) are disabled on Spark by config.
    build = dbt("build", db=tmp_path / "dbt" / "unused.duckdb", env=spark_env, executable=str(SPARK_BIN / "dbt"))
    assert "ERROR=0" in build.stdout and "customer_rfm_clusters" not in build.stdout

    queries = {}
    for model, columns in SPARK_COMPARED.items():
        relation = model if "." in model else f"staging.{model}"
        order = ", ".join(f"{c} nulls last" for c in columns.split(", ")[:2])
        queries[model] = f"select {columns} from {relation} order by {order}"
    spark_python(
        spark_env,
        "tests/pytest/spark_query.py",
        str(tmp_path),
        *(f"{name}={sql}" for name, sql in queries.items()),
    )
    for model, sql in queries.items():
        on_spark = [tuple(naive_utc(v) for v in row.values()) for row in pq.read_table(tmp_path / f"{model}.parquet").to_pylist()]
        on_duckdb = query(sample.db, sql)
        assert len(on_spark) == len(on_duckdb) > 0, model
        assert on_spark == on_duckdb, model
