"""Render the segment report: one static HTML page, no network needed to view it.

Charts: segment sizes over the as-of dates built (marts.fct_segment_sizes), the overlap heatmap
(Jaccard index of every pair of segments), the RFM grid (customers per recency and frequency
score), a KPI table per segment (members, share, revenue, AOV, 30-day conversion) and the 30-day
conversion per arm of the segments split into arms (holdouts, A/B/n). The data is
embedded as JSON and drawn as SVG by a small script in the page; each chart records how many marks
it drew in data-marks. The warehouse is opened read-only, so BI tools can keep reading it.

    unified-segments report [--out target/segment_report.html]
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from . import warehouse
from .warehouse import PROJECT_DIR

QUERIES = {
    "sizes": """
        select cast(as_of_date as varchar), segment_name, members
        from marts.fct_segment_sizes order by 1, 2""",
    "overlap": """
        with m as (select person_id, segment_name from marts.fct_segment_memberships),
        sizes as (select segment_name, count(*) as members from m group by segment_name),
        shared as (
            select a.segment_name as segment_a, b.segment_name as segment_b, count(*) as shared
            from m as a inner join m as b on a.person_id = b.person_id and a.segment_name < b.segment_name
            group by 1, 2)
        select sa.segment_name, sb.segment_name, coalesce(shared.shared, 0), sa.members + sb.members - coalesce(shared.shared, 0)
        from sizes as sa inner join sizes as sb on sa.segment_name < sb.segment_name
        left join shared on shared.segment_a = sa.segment_name and shared.segment_b = sb.segment_name
        order by 1, 2""",
    "rfm": """
        select recency_score, frequency_score, count(*)
        from marts.dim_customer_segments where recency_score is not null
        group by 1, 2 order by 1, 2""",
    "kpis": """
        select orders.segment_name, count(*), sum(orders.net_revenue), sum(orders.orders),
               sum(case when orders.has_ordered_30d then 1 else 0 end),
               (select count(*) from marts.dim_customer_profiles)
        from marts.fct_segment_member_orders as orders
        where orders.as_of_date = (select max(as_of_date) from marts.fct_segment_member_orders)
        group by 1 order by 2 desc, 1""",
    "arms": """
        with latest as (
            select * from marts.fct_segment_member_orders
            where as_of_date = (select max(as_of_date) from marts.fct_segment_member_orders)),
        split as (select segment_name from latest group by 1 having count(distinct arm) > 1)
        select segment_name, arm, count(*), sum(case when has_ordered_30d then 1 else 0 end)
        from latest where segment_name in (select segment_name from split)
        group by 1, 2 order by 1, 2""",
}

SCRIPT = Path(__file__).with_name("report") / "segment_report.js"  # inlined into the page


def number(value) -> float | int:
    return float(value) if isinstance(value, Decimal) else value


def collect(wh: warehouse.Warehouse) -> dict:
    return {name: [[number(v) for v in row] for row in wh.rows(sql)] for name, sql in QUERIES.items()}


def kpi_table(rows: list[list]) -> str:
    head = "<tr><th>segment</th><th>members</th><th>share</th><th>revenue</th><th>AOV</th><th>30-day conversion</th></tr>"
    body = []
    for segment, members, revenue, orders, converted, profiles in rows:
        aov = f"{revenue / orders:,.2f}" if orders else "-"
        body.append(
            f"<tr><td>{html.escape(segment)}</td><td>{members:,}</td><td>{members / profiles:.1%}</td>"
            f"<td>{revenue:,.2f}</td><td>{aov}</td><td>{converted / members:.1%}</td></tr>"
        )
    return f'<table id="kpis">{head}{"".join(body)}</table>'


def arms_table(rows: list[list]) -> str:
    """30-day conversion per arm of the segments split into arms (holdouts, A/B/n)."""
    head = "<tr><th>segment</th><th>arm</th><th>members</th><th>30-day conversion</th></tr>"
    body = [
        f"<tr><td>{html.escape(segment)}</td><td>{html.escape(arm)}</td><td>{members:,}</td>"
        f"<td>{converted / members:.1%}</td></tr>"
        for segment, arm, members, converted in rows
    ]
    return f'<table id="arms">{head}{"".join(body)}</table>'


def render(data: dict, as_of: str) -> str:
    payload = json.dumps(data).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Segment report {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
h2 {{ margin-top: 2em; }} table {{ border-collapse: collapse; }}
td, th {{ padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
</style></head><body>
<h1>Segment report, as of {as_of}</h1>
<h2>Segment sizes over as-of dates</h2><svg class="chart" id="sizes" width="900" height="360"></svg>
<h2>Overlap (Jaccard index; columns numbered as the rows)</h2><svg class="chart" id="overlap" width="820" height="620"></svg>
<h2>RFM grid (customers by recency score, rows, and frequency score, columns)</h2>
<svg class="chart" id="rfm" width="340" height="320"></svg>
<h2>KPIs</h2>{kpi_table(data["kpis"])}
<h2>Holdouts and splits (30-day conversion by arm)</h2>{arms_table(data["arms"])}
<script id="report-data" type="application/json">{payload}</script>
<script>{SCRIPT.read_text()}</script>
</body></html>
"""


def write_report(wh: warehouse.Warehouse, out: Path) -> Path:
    data = collect(wh)
    as_of = data["sizes"][-1][0] if data["sizes"] else "never built"
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    temporary.write_text(render(data, as_of))
    temporary.replace(out)
    return out


def main(
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = PROJECT_DIR / "target" / "segment_report.html",
) -> None:
    wh = warehouse.connect(read_only=True)
    try:
        path = write_report(wh, out)
    finally:
        wh.close()
    print(f"Segment report: {path}")
