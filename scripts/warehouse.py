"""Connections to the warehouse the dbt profile points at, for the Python scripts.

The environment variables and defaults are the ones profiles.yml reads, so a script and dbt always
talk to the same database. DuckDB allows one writer per file: readers pass read_only=True.
"""

from __future__ import annotations

import ast
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import jinja2
import pyarrow as pa
import pyarrow.csv as pacsv

PROJECT_DIR = Path(__file__).resolve().parent.parent


def target_name() -> str:
    return os.environ.get("UNIFIED_SEGMENTS_TARGET", "duckdb")


def duckdb_path() -> Path:
    path = Path(os.environ.get("UNIFIED_SEGMENTS_DUCKDB_PATH", "warehouse.duckdb"))
    return path if path.is_absolute() else PROJECT_DIR / path


def postgres_dsn() -> dict:
    env = os.environ.get
    return {
        "host": env("UNIFIED_SEGMENTS_PG_HOST", "127.0.0.1"),
        "port": int(env("UNIFIED_SEGMENTS_PG_PORT", "5432")),
        "user": env("UNIFIED_SEGMENTS_PG_USER", "postgres"),
        "password": env("UNIFIED_SEGMENTS_PG_PASSWORD", ""),
        "dbname": env("UNIFIED_SEGMENTS_PG_DATABASE", "unified_segments"),
    }


class Warehouse:
    """The few operations the scripts need, on either engine."""

    engine: str
    param: str  # the driver's query-parameter placeholder
    text_type = "varchar"

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        raise NotImplementedError

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        raise NotImplementedError

    def named_rows(self, sql: str) -> tuple[list[str], list[tuple]]:
        """The query's column names and its rows."""
        raise NotImplementedError

    def append_arrow(self, table: str, batches: Iterator[pa.RecordBatch]) -> int:
        """Append record batches (columns in the table's order) to schema-qualified table."""
        raise NotImplementedError

    def columns(self, relation: str) -> list[str]:
        """The column names of schema-qualified relation, in order; empty when it does not exist."""
        schema, name = relation.split(".")
        return [
            r[0]
            for r in self.rows(
                "select column_name from information_schema.columns where table_schema = "
                f"{self.param} and table_name = {self.param} order by ordinal_position",
                [schema, name],
            )
        ]

    @contextmanager
    def transaction(self):
        self.execute("begin")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")

    def close(self) -> None:
        raise NotImplementedError


def project() -> dict:
    """dbt_project.yml, read."""
    import yaml

    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())


def project_var(name: str):
    """A var's value as dbt_project.yml declares it (not as a run's --vars may override it)."""
    return project()["vars"][name]


def project_schemas() -> set[str]:
    """The schemas the project reads and writes: the raw landing schema and each +schema of dbt_project.yml."""
    config = project()
    found = {config["vars"]["unified_segments_raw_schema"]}

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "+schema":
                    found.add(value)
                walk(value)

    walk(config)
    return found


class DuckDBWarehouse(Warehouse):
    engine = "duckdb"
    param = "?"

    def __init__(self, path: Path, read_only: bool = False):
        # DuckDB names a file's catalog after it: in raw.duckdb, raw.events could be the catalog or the schema.
        if Path(path).stem in project_schemas():
            raise SystemExit(
                f"{path}: DuckDB names the file's catalog '{Path(path).stem}', which is also a schema of this "
                "project, so its tables cannot be named unambiguously; choose another file name "
                "(UNIFIED_SEGMENTS_DUCKDB_PATH), such as warehouse.duckdb"
            )
        if read_only and not Path(path).exists():
            raise SystemExit(
                f"{path}: no warehouse here yet; build it first (make build, or unified-segments load and unified-segments build)"
            )
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise SystemExit(
                f"{path} is in use by another process (DuckDB allows one writer, and no readers beside it): "
                "wait for the running dbt build, load or export to finish, then run this again"
            ) from None
        for key, value in duckdb_settings().items():
            self.con.execute(f"set {key} = '{value}'")

    def execute(self, sql, params=()):
        self.con.execute(sql, params)

    def rows(self, sql, params=()):
        return self.con.execute(sql, params).fetchall()

    def named_rows(self, sql):
        cursor = self.con.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()

    def append_arrow(self, table, batches):
        count = 0
        for batch in batches:
            self.con.register("incoming_batch", pa.Table.from_batches([batch]))
            self.con.execute(f"insert into {table} select * from incoming_batch")
            self.con.unregister("incoming_batch")
            count += batch.num_rows
        return count

    def close(self):
        self.con.close()


class PostgresWarehouse(Warehouse):
    engine = "postgres"
    param = "%s"

    def __init__(self, dsn: dict):
        import psycopg2  # only needed on this engine

        self.con = psycopg2.connect(**dsn)
        self.con.autocommit = True  # transactions are explicit, through transaction()
        self.execute("set timezone = 'UTC'")

    def execute(self, sql, params=()):
        with self.con.cursor() as cur:
            cur.execute(sql, params or None)

    def rows(self, sql, params=()):
        with self.con.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall()

    def named_rows(self, sql):
        with self.con.cursor() as cur:
            cur.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()

    def append_arrow(self, table, batches):
        count = 0
        # Every non-null value is quoted, so COPY reads an empty field as NULL and "" as ''.
        options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        with self.con.cursor() as cur:
            for batch in batches:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                buffer.seek(0)
                cur.copy_expert(f"copy {table} from stdin with (format csv)", buffer)
                count += batch.num_rows
        return count

    def close(self):
        self.con.close()


class SparkWarehouse(Warehouse):
    """A local Spark session with the settings of the dbt profile's spark output, so the loader
    writes to the same metastore and table folder dbt reads. One process at a time (Derby)."""

    engine = "spark"
    param = "?"
    text_type = "string"

    def __init__(self):
        from pyspark.sql import SparkSession  # only in the Spark venv

        builder = SparkSession.builder.enableHiveSupport()
        for key, value in spark_settings().items():
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()

    def execute(self, sql, params=()):
        self.spark.sql(sql, args=list(params) or None)

    def rows(self, sql, params=()):
        return [tuple(row) for row in self.spark.sql(sql, args=list(params) or None).collect()]

    def columns(self, relation):
        if not self.spark.catalog.tableExists(relation):
            return []
        return [column.name for column in self.spark.catalog.listColumns(relation)]

    def append_arrow(self, table, batches):
        count = 0
        for batch in batches:
            self.spark.createDataFrame(pa.Table.from_batches([batch])).write.insertInto(table)
            count += batch.num_rows
        return count

    @contextmanager
    def transaction(self):
        yield  # Spark tables without Delta have no transactions; the loader's log is written last

    def close(self):
        self.spark.stop()


def profile_output(name: str) -> tuple[dict, jinja2.Environment]:
    """profiles.yml's output for a target, and a Jinja environment that renders its values as dbt
    does (env_var with dbt's error for a missing variable; dbt renders natively, so a value that
    renders to a dict literal is a dict: see duckdb_settings)."""
    import yaml

    def env_var(var: str, default: str | None = None) -> str:
        if var not in os.environ and default is None:
            raise SystemExit(f"Env var required but not provided: '{var}'")
        return os.environ.get(var, default)

    env = jinja2.Environment()
    env.globals["env_var"] = env_var
    return yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["unified_segments"]["outputs"][name], env


def duckdb_settings() -> dict[str, str]:
    """The settings of profiles.yml's duckdb output (memory limit, threads, time zone), so a script
    writing the warehouse is bounded as dbt is."""
    profile, env = profile_output("duckdb")
    return ast.literal_eval(env.from_string(profile["settings"]).render())


def spark_settings() -> dict[str, str]:
    """The server_side_parameters of profiles.yml's spark output, rendered as dbt renders them."""
    profile, env = profile_output("spark")
    settings = {key: env.from_string(str(value)).render() for key, value in profile["server_side_parameters"].items()}
    settings["spark.sql.ansi.enabled"] = "false"  # as dbt-spark sets it
    return settings


def connect(target: str | None = None, read_only: bool = False) -> Warehouse:
    target = target or target_name()
    if target == "duckdb":
        return DuckDBWarehouse(duckdb_path(), read_only=read_only)
    if target == "postgres":
        return PostgresWarehouse(postgres_dsn())
    if target == "spark":
        return SparkWarehouse()
    raise SystemExit(f"unknown target {target!r}: expected 'duckdb', 'postgres' or 'spark' (UNIFIED_SEGMENTS_TARGET)")
