"""The segment report renders every chart with its data in headless Chromium, while another reader
holds the warehouse open; a screenshot of it is kept under target/ci/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from selenium.webdriver.support.wait import WebDriverWait

from conftest import CLI, PROJECT_DIR, query

CHROMIUM = Path(os.environ.get("UNIFIED_SEGMENTS_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("UNIFIED_SEGMENTS_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOT = PROJECT_DIR / "target" / "ci" / "segment_report.png"


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


def test_the_report_renders_every_chart_with_its_data(sample, tmp_path, browser):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample.db, db)
    env = {**os.environ, "UNIFIED_SEGMENTS_DUCKDB_PATH": str(db), "UNIFIED_SEGMENTS_TARGET": "duckdb"}
    exports, out = tmp_path / "exports", tmp_path / "report.html"
    subprocess.run([*CLI, "export", "--out", str(exports)], cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    reader = duckdb.connect(str(db), read_only=True)  # a BI tool reading the file meanwhile
    try:
        subprocess.run(
            [*CLI, "report", "--out", str(out), "--exports", str(exports)],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
    finally:
        reader.close()

    browser.get(out.as_uri())
    WebDriverWait(browser, 30).until(lambda b: b.find_element("tag name", "body").get_attribute("data-rendered"))
    assert browser.find_element("tag name", "body").get_attribute("data-rendered") == "true"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1200, browser.execute_script("return document.body.scrollHeight") + 100)
    browser.save_screenshot(str(SCREENSHOT))  # kept as a CI artifact

    segments = query(db, "select count(distinct segment_name) from marts.fct_segment_memberships")[0][0]
    manifest = json.loads((exports / "latest" / "manifest.json").read_text())
    destinations = len({audience["destination"] for audience in manifest["audiences"]})
    expected_rows = {
        "sizes": query(db, "select count(*) from marts.fct_segment_sizes")[0][0],
        "overlap": segments * segments,
        "rfm": query(
            db,
            "select count(distinct (recency_score, frequency_score)) from marts.dim_customer_segments "
            "where recency_score is not null",
        )[0][0],
        "components": query(db, "select count(distinct component_size) from identity.int_identifiers_resolved")[0][0],
        "quality": query(db, "select count(distinct (run_started_at, status)) from audit.test_results")[0][0],
        "exports": destinations * 3,  # added, removed, updated
    }
    drawn = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('div.chart')].map(c => [c.id, "
        "[Number(c.dataset.rows), [...c.querySelectorAll('[role=graphics-symbol]')]"
        ".filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length]]))"
    )
    assert {name: rows for name, (rows, _) in drawn.items()} == expected_rows
    assert all(marks > 0 for _, marks in drawn.values()), drawn  # each chart drew what it was given

    kpis = browser.find_elements("css selector", "#kpis tr")
    assert len(kpis) == segments + 1 and "net revenue (GBP)" in kpis[0].text
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
    # an RFM score nobody has is named and explained
    empty = [
        score
        for score in range(1, 6)
        if score not in {s for (s,) in query(db, "select distinct frequency_score from marts.dim_customer_segments")}
    ]
    note = browser.find_element("css selector", "p.note").text
    assert (f"frequency {', '.join(map(str, empty))}" in note) if empty else "nobody has" not in note
    identity = dict(r.text.rsplit(" ", 1) for r in browser.find_elements("css selector", "#identity tr"))
    people, identifiers = query(db, "select count(distinct person_id), count(*) from identity.int_identifiers_resolved")[0]
    assert identity["people"] == f"{people:,}" and identity["identifiers"] == f"{identifiers:,}"
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
