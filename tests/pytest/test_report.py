"""The segment report renders in headless Chromium while another reader holds the warehouse open."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import CLI, PROJECT_DIR, query

CHROMIUM = Path(os.environ.get("UNIFIED_SEGMENTS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("UNIFIED_SEGMENTS_CHROMEDRIVER", "/usr/bin/chromedriver"))


@pytest.fixture
def browser():
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        message = f"headless Chromium not found at {CHROMIUM} / {CHROMEDRIVER} (Debian packages chromium, chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,2400"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def test_the_report_renders_every_chart(sample, tmp_path, browser):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    out = tmp_path / "report.html"
    reader = duckdb.connect(str(db), read_only=True)  # a BI tool reading the file meanwhile
    try:
        subprocess.run(
            [*CLI, "report", "--out", str(out)],
            cwd=PROJECT_DIR,
            env={**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"},
            check=True,
            capture_output=True,
        )
    finally:
        reader.close()

    browser.get(out.as_uri())
    assert browser.find_element("tag name", "body").get_attribute("data-rendered") == "true"
    charts = browser.find_elements("css selector", "svg.chart")
    marks = {svg.get_attribute("id"): int(svg.get_attribute("data-marks")) for svg in charts}
    sizes = query(db, "select count(*) from marts.fct_segment_sizes")[0][0]
    segments = query(db, "select count(distinct segment_name) from marts.fct_segment_memberships")[0][0]
    assert marks == {"sizes": sizes, "overlap": segments * (segments - 1), "rfm": 25}
    visible = browser.execute_script(
        "return [...document.querySelectorAll('svg.chart .mark')]"
        ".filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length"
    )
    assert visible == sum(marks.values())
    assert len(browser.find_elements("css selector", "#kpis tr")) == segments + 1
    # the segments split into arms, a row per arm with its member count
    arms = query(
        db,
        """select segment_name, arm, count(*) from marts.fct_segment_memberships
           where segment_name in (
               select segment_name from marts.fct_segment_memberships group by 1 having count(distinct arm) > 1)
           group by 1, 2 order by 1, 2""",
    )
    rows = [r.find_elements("tag name", "td") for r in browser.find_elements("css selector", "#arms tr")[1:]]
    assert [(c[0].text, c[1].text, int(c[2].text.replace(",", ""))) for c in rows] == arms
    assert ("at_risk", "holdout") in {a[:2] for a in arms}
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def report(db: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "report", "--out", str(out)],
        cwd=PROJECT_DIR,
        env={**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"},
        capture_output=True,
        text=True,
    )


def test_the_report_before_a_build_or_beside_a_writer_says_what_to_do_in_one_line(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    before = report(db, tmp_path / "report.html")
    assert before.returncode != 0 and "Traceback" not in before.stderr
    assert (
        before.stderr.strip()
        == f"{db}: no warehouse here yet; build it first (make build, or unified-segments load and unified-segments build)"
    )
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(  # a dbt build writing the file
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        locked = report(db, tmp_path / "report.html")
    finally:
        holder.kill()
        holder.wait()
    assert locked.returncode != 0 and "Traceback" not in locked.stderr
    assert locked.stderr.strip().startswith(f"{db} is in use by another process")
    assert not (tmp_path / "report.html").exists()
