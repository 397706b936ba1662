"""The analyses compile and answer sensibly on the sample warehouse."""

from __future__ import annotations

import duckdb

from conftest import dbt, query


def run_analyses(sample) -> dict[str, list[tuple]]:
    dbt("compile", "--select", "resource_type:analysis", db=sample.db)
    compiled = sample.db.parent / "dbt_target" / "compiled" / "unified_segments" / "analyses"
    con = duckdb.connect(str(sample.db), read_only=True)
    try:
        return {path.stem: con.execute(path.read_text()).fetchall() for path in sorted(compiled.glob("*.sql"))}
    finally:
        con.close()


def test_analyses_compile_and_agree_with_the_marts(sample):
    results = run_analyses(sample)
    assert set(results) == {"segment_overlap", "segment_kpis", "cohort_retention"}

    sizes = dict(query(sample.db, "select segment_name, members from marts.fct_segment_sizes where members > 0"))
    # Every pair of non-empty segments once; the Jaccard index is shared / (a + b - shared).
    overlap = results["segment_overlap"]
    assert len(overlap) == len(sizes) * (len(sizes) - 1) // 2
    for segment_a, segment_b, members_a, members_b, shared, jaccard in overlap:
        assert (members_a, members_b) == (sizes[segment_a], sizes[segment_b])
        assert 0 <= shared <= min(members_a, members_b)
        assert abs(float(jaccard) - shared / (members_a + members_b - shared)) < 0.0001

    kpis = {row[0]: row for row in results["segment_kpis"]}
    assert {name: row[1] for name, row in kpis.items()} == sizes

    retention = results["cohort_retention"]
    assert retention
    for _cohort_month, cohort_size, months_since_first, active, rate in retention:
        assert 0 < active <= cohort_size
        if months_since_first == 0:  # everyone in a cohort bought in its first month
            assert active == cohort_size and float(rate) == 1.0
