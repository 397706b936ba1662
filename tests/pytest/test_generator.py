"""The generator: deterministic, bounded, and honest about what it injected."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb

from conftest import PROJECT_DIR
from unified_segments import generate_data

AS_OF = date(2026, 11, 1)


def digest_tree(root: Path) -> dict[str, str]:
    """Content of every table under root, as a hash of its rows in file order."""
    con = duckdb.connect()
    digests = {}
    for path in sorted(root.rglob("*.parquet")):
        rows = con.execute(f"select * from read_parquet('{path}')").fetchall()
        digests[str(path.relative_to(root))] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def test_same_seed_gives_identical_data_and_other_seed_does_not(tmp_path):
    # 25,000 people spans three chunks, so the worker pool (2 processes) is exercised too.
    first = generate_data.generate(tmp_path / "a", 25_000, 11, AS_OF, 0.01, progress=False, workers=2)
    second = generate_data.generate(tmp_path / "b", 25_000, 11, AS_OF, 0.01, progress=False, workers=1)
    other = generate_data.generate(tmp_path / "c", 25_000, 12, AS_OF, 0.01, progress=False, workers=2)

    assert first == second
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")
    assert len(list((tmp_path / "a" / "raw" / "events").glob("*.parquet"))) == 3
    assert other["expected"] != first["expected"]
    assert digest_tree(tmp_path / "a") != digest_tree(tmp_path / "c")


def test_ground_truth_is_kept_apart_from_the_raw_landing_files(tmp_path):
    generate_data.generate(tmp_path, 500, 3, AS_OF, 0.01, progress=False, workers=1)
    raw_files = {p.relative_to(tmp_path / "raw").parts[0] for p in (tmp_path / "raw").rglob("*.parquet")}
    assert raw_files == set(generate_data.RAW_TABLES)

    con = duckdb.connect()
    truth = f"read_parquet('{tmp_path}/ground_truth/identifiers/*.parquet')"
    types = {r[0] for r in con.execute(f"select distinct identifier_type from {truth}").fetchall()}
    assert types == {"anonymous_id", "user_id", "email", "phone", "contact_id"}
    # No raw column carries the true person key.
    events = f"read_parquet('{tmp_path}/raw/events/*.parquet')"
    columns = [r[0] for r in con.execute(f"describe select * from {events}").fetchall()]
    assert "person_key" not in columns
    people = con.execute(f"select count(*) from read_parquet('{tmp_path}/ground_truth/people/*.parquet')").fetchall()
    assert people == [(500,)]


def test_default_scale_is_about_twenty_events_per_person(tmp_path):
    metadata = generate_data.generate(tmp_path, 2000, 5, AS_OF, 0.01, progress=False, workers=1)
    per_person = metadata["expected"]["events"]["raw_rows"] / 2000
    # The yardstick: 1M people give about 20M events.
    assert 15 <= per_person <= 35, per_person


def test_make_sample_refuses_a_sample_of_another_size_instead_of_reusing_it(tmp_path):
    for name in ("Makefile", "requirements-dev.lock", "pyproject.toml"):
        shutil.copy2(PROJECT_DIR / name, tmp_path / name)  # the install inputs keep their age: no reinstall
    (tmp_path / "data" / "sample").mkdir(parents=True)
    (tmp_path / "data" / "sample" / "metadata.json").write_text(json.dumps({"people": 5000}))
    venv = PROJECT_DIR / ".venv"

    def make_sample(people: int) -> subprocess.CompletedProcess:
        command = ["make", "-s", "sample", f"PEOPLE={people}", f"VENV={venv}", f"BIN={venv / 'bin'}"]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)

    assert make_sample(5000).returncode == 0
    other = make_sample(50_000)
    assert other.returncode != 0
    assert "data/sample holds 5,000 people, not 50000: remove it and warehouse.duckdb" in other.stderr
