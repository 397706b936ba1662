"""Run queries on the Spark warehouse and write each result as a Parquet file, for tests that
compare Spark with DuckDB. Runs in the Spark venv, where pyspark lives:

    .venv-spark/bin/python tests/pytest/spark_query.py OUT_DIR NAME=SQL [NAME=SQL ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq

from unified_segments.warehouse import SparkWarehouse


def main(out_dir: str, *queries: str) -> None:
    wh = SparkWarehouse()
    try:
        for query in queries:
            name, sql = query.split("=", 1)
            pq.write_table(wh.spark.sql(sql).toArrow(), Path(out_dir) / f"{name}.parquet")
    finally:
        wh.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
