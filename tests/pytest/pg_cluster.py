"""A throw-away PostgreSQL 15 cluster for tests: 127.0.0.1, a free port, fsync off, gone after.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("UNIFIED_SEGMENTS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").is_file() and (PG_BIN / "pg_ctl").is_file()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_cluster_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def new_database(env: dict, name: str) -> dict:
    """Create database name on the cluster env points at; returns env pointing at it."""
    import psycopg2

    con = psycopg2.connect(
        host=env["UNIFIED_SEGMENTS_PG_HOST"],
        port=int(env["UNIFIED_SEGMENTS_PG_PORT"]),
        user=env["UNIFIED_SEGMENTS_PG_USER"],
        dbname="postgres",
    )
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f'create database "{name}"')
    con.close()
    return {**env, "UNIFIED_SEGMENTS_PG_DATABASE": name}


@contextmanager
def cluster():
    """Yields the environment variables that point the profile's postgres target at the cluster."""
    root = Path(tempfile.mkdtemp(prefix="us-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()

    def run(program: str, *args: str) -> None:
        subprocess.run(as_cluster_owner([str(PG_BIN / program), *args]), check=True, capture_output=True, text=True)

    run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(
        "pg_ctl",
        "-D",
        str(data),
        "-l",
        str(root / "server.log"),
        "-w",
        "-o",
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        "start",
    )
    try:
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "unified_segments"],
            check=True,
            capture_output=True,
        )
        yield {
            "UNIFIED_SEGMENTS_TARGET": "postgres",
            "UNIFIED_SEGMENTS_PG_HOST": "127.0.0.1",
            "UNIFIED_SEGMENTS_PG_PORT": str(port),
            "UNIFIED_SEGMENTS_PG_USER": "postgres",
            "UNIFIED_SEGMENTS_PG_PASSWORD": "",
            "UNIFIED_SEGMENTS_PG_DATABASE": "unified_segments",
        }
    finally:
        subprocess.run(
            as_cluster_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
