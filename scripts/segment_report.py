"""Render the segment report: one static HTML dashboard, no network needed to view it.

Charts are Vega-Lite specifications made with Altair and drawn in the page by vega-embed, whose
JavaScript (Vega, Vega-Lite, vega-embed) is inlined from the vl-convert package. Sections:
segment sizes over the as-of dates built (marts.fct_segment_sizes keeps every date), overlap of
every pair of segments (Jaccard index, names on both axes), the RFM grid (people and revenue per
recency and frequency score, with what an empty score means), KPIs per segment with the reporting
currency, holdouts and splits (30-day conversion per arm), identity health (merge rate, component
sizes, probabilistic links, blocked identifiers), data-quality history (audit.test_results, every
build's tests by status) and export changes per destination (the manifests of the export runs
under --exports). Each chart's container records how many rows it was given (data-rows); the
page sets data-rendered on its body once every chart is drawn. The warehouse is opened
read-only, so BI tools can keep reading it.

    unified-segments report [--out target/segment_report.html] [--exports exports]
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import altair as alt
import pandas as pd
import typer

from unified_segments import warehouse
from unified_segments.export_audiences import published_runs
from unified_segments.warehouse import PROJECT_DIR

QUERIES = {
    "sizes": """
        select cast(as_of_date as varchar) as as_of_date, segment_name, members
        from marts.fct_segment_sizes order by 1, 2""",
    "overlap": """
        with m as (select person_id, segment_name from marts.fct_segment_memberships),
        sizes as (select segment_name, count(*) as members from m group by segment_name),
        shared as (
            select a.segment_name as segment_a, b.segment_name as segment_b, count(*) as shared
            from m as a inner join m as b on a.person_id = b.person_id
            group by 1, 2)
        select sa.segment_name as segment_a, sb.segment_name as segment_b, coalesce(shared.shared, 0) as shared,
               sa.members + sb.members - coalesce(shared.shared, 0) as either
        from sizes as sa cross join sizes as sb
        left join shared on shared.segment_a = sa.segment_name and shared.segment_b = sb.segment_name
        order by 1, 2""",
    "rfm": """
        select segments.recency_score, segments.frequency_score, count(*) as people,
               sum(profiles.net_revenue) as revenue
        from marts.dim_customer_segments as segments
        inner join marts.dim_customer_profiles as profiles on segments.person_id = profiles.person_id
        where segments.recency_score is not null
        group by 1, 2 order by 1, 2""",
    "kpis": """
        select orders.segment_name, count(*) as members, sum(orders.net_revenue) as revenue, sum(orders.orders) as orders,
               sum(case when orders.has_ordered_30d then 1 else 0 end) as converted,
               (select count(*) from marts.dim_customer_profiles) as profiles, max(orders.revenue_currency) as currency
        from marts.fct_segment_member_orders as orders
        where orders.as_of_date = (select max(as_of_date) from marts.fct_segment_member_orders)
        group by 1 order by 2 desc, 1""",
    "arms": """
        with latest as (
            select * from marts.fct_segment_member_orders
            where as_of_date = (select max(as_of_date) from marts.fct_segment_member_orders)),
        split as (select segment_name from latest group by 1 having count(distinct arm) > 1)
        select segment_name, arm, count(*) as members, sum(case when has_ordered_30d then 1 else 0 end) as converted
        from latest where segment_name in (select segment_name from split)
        group by 1, 2 order by 1, 2""",
    "identity": """
        select count(*) as identifiers, count(distinct person_id) as people,
               count(case when resolution = 'blocked' then 1 end) as blocked
        from identity.int_identifiers_resolved""",
    "probabilistic_links": """
        select count(*) as links from identity.int_identity_edge_decisions
        where source_model = 'probabilistic_match' and decision = 'kept'""",
    "components": """
        select component_size as identifiers, count(distinct person_id) as people
        from identity.int_identifiers_resolved where person_id is not null group by 1 order by 1""",
    "quality": """
        select cast(run_started_at as varchar) as build, status, count(*) as tests
        from audit.test_results group by 1, 2 order by 1, 2""",
}


def frame(wh: warehouse.Warehouse, sql: str) -> pd.DataFrame:
    """A query's rows, decimals as floats (Vega-Lite reads numbers)."""
    columns, rows = wh.named_rows(sql)
    return pd.DataFrame([[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows], columns=columns)


def export_changes(exports: Path, last: int = 5) -> pd.DataFrame:
    """Per export run (the last few) and destination: the rows added, removed and updated, from the
    runs' manifests."""
    records = []
    runs = exports / "runs"
    for run in reversed(published_runs(runs)[:last]) if runs.is_dir() else []:
        manifest = json.loads((run / "manifest.json").read_text())
        for audience in manifest["audiences"]:
            for change in ("added", "removed", "updated"):
                records.append(
                    {
                        "run": manifest["generated_at"],
                        "destination": audience["destination"],
                        "change": change,
                        "rows": audience["changes"][change],
                    }
                )
    data = pd.DataFrame(records, columns=["run", "destination", "change", "rows"])
    return data.groupby(["run", "destination", "change"], as_index=False)["rows"].sum() if len(data) else data


def charts(data: dict[str, pd.DataFrame], currency: str) -> dict[str, alt.Chart]:
    width = 760
    overlap = data["overlap"].assign(
        jaccard=lambda d: (d.shared / d.either.where(d.either > 0)).fillna(0).round(3),
    )
    rfm = data["rfm"].assign(label=lambda d: d.people.map("{:,}".format) + " / " + d.revenue.map("{:,.0f}".format))
    return {
        "sizes": alt.Chart(data["sizes"], title="Members per segment at each as-of date built")
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of_date:O", title="as-of date"),
            y=alt.Y("members:Q", title="members"),
            color=alt.Color("segment_name:N", title="segment"),
            tooltip=["as_of_date", "segment_name", "members"],
        )
        .properties(width=width, height=300),
        "overlap": alt.Chart(overlap, title="Overlap: people in both / people in either (Jaccard index)")
        .mark_rect()
        .encode(
            x=alt.X("segment_a:N", title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("segment_b:N", title=None),
            color=alt.Color("jaccard:Q", title="Jaccard", scale=alt.Scale(domain=[0, 1], scheme="blues")),
            tooltip=["segment_a", "segment_b", "shared", "jaccard"],
        )
        .properties(width=520, height=520)
        + alt.Chart(overlap)
        .mark_text(fontSize=9)
        .encode(x="segment_a:N", y="segment_b:N", text=alt.Text("jaccard:Q", format=".2f")),
        "rfm": alt.Chart(rfm, title=f"People / net revenue ({currency}) per recency and frequency score")
        .mark_rect()
        .encode(
            x=alt.X("frequency_score:O", title="frequency score (5 = most orders)", scale=alt.Scale(domain=[1, 2, 3, 4, 5])),
            y=alt.Y("recency_score:O", title="recency score (5 = most recent)", scale=alt.Scale(domain=[5, 4, 3, 2, 1])),
            color=alt.Color("people:Q", title="people", scale=alt.Scale(scheme="greens")),
            tooltip=["recency_score", "frequency_score", "people", alt.Tooltip("revenue:Q", format=",.2f")],
        )
        .properties(width=420, height=300)
        + alt.Chart(rfm).mark_text(fontSize=10).encode(x="frequency_score:O", y="recency_score:O", text="label:N"),
        "components": alt.Chart(data["components"], title="People by the number of identifiers resolved to them")
        .mark_bar()
        .encode(
            x=alt.X("identifiers:O", title="identifiers per person"),
            y=alt.Y("people:Q", title="people", scale=alt.Scale(type="symlog")),
            tooltip=["identifiers", "people"],
        )
        .properties(width=width, height=220),
        "quality": alt.Chart(data["quality"], title="Tests per build by status (audit.test_results)")
        .mark_bar()
        .encode(
            x=alt.X("build:O", title="build started at"),
            y=alt.Y("tests:Q", title="tests"),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=["pass", "warn", "fail", "error"], range=["#59a14f", "#edc948", "#e15759", "#b07aa1"]),
            ),
            tooltip=["build", "status", "tests"],
        )
        .properties(width=width, height=220),
        "exports": alt.Chart(data["exports"], title="Rows added, removed and updated per destination, by export run")
        .mark_bar()
        .encode(
            x=alt.X("destination:N", title=None, axis=alt.Axis(labelAngle=-30)),
            xOffset=alt.XOffset("change:N", scale=alt.Scale(domain=["added", "removed", "updated"])),
            y=alt.Y("rows:Q", title="rows"),
            color=alt.Color("change:N", scale=alt.Scale(domain=["added", "removed", "updated"])),
            row=alt.Row("run:N", title=None),
            tooltip=["run", "destination", "change", "rows"],
        )
        .properties(width=width, height=160),
    }


def empty_scores(rfm: pd.DataFrame) -> str:
    """What an empty RFM score means, naming the empty ones."""
    empty = {axis: [s for s in range(1, 6) if s not in set(rfm[f"{axis}_score"])] for axis in ("recency", "frequency")}
    named = "; ".join(f"{axis} {', '.join(map(str, scores))}" for axis, scores in empty.items() if scores)
    return (
        "Scores are quintiles by rank among the people who ordered; people who tie share the lower score, so a score "
        f"nobody has (here: {named}) means more than a fifth of people tie below it (most often: one order)."
        if named
        else "Scores are quintiles by rank among the people who ordered."
    )


def kpi_table(kpis: pd.DataFrame) -> str:
    currency = html.escape(str(kpis.currency.iloc[0])) if len(kpis) else ""
    head = (
        f"<tr><th>segment</th><th>members</th><th>share of profiles</th><th>net revenue ({currency})</th>"
        f"<th>AOV ({currency})</th><th>30-day conversion</th></tr>"
    )
    body = [
        f"<tr><td>{html.escape(r.segment_name)}</td><td>{r.members:,}</td><td>{r.members / r.profiles:.1%}</td>"
        f"<td>{r.revenue:,.2f}</td><td>{f'{r.revenue / r.orders:,.2f}' if r.orders else '-'}</td>"
        f"<td>{r.converted / r.members:.1%}</td></tr>"
        for r in kpis.itertuples()
    ]
    return f'<table id="kpis">{head}{"".join(body)}</table>'


def arms_table(arms: pd.DataFrame) -> str:
    head = "<tr><th>segment</th><th>arm</th><th>members</th><th>30-day conversion</th></tr>"
    body = [
        f"<tr><td>{html.escape(r.segment_name)}</td><td>{html.escape(r.arm)}</td><td>{r.members:,}</td>"
        f"<td>{r.converted / r.members:.1%}</td></tr>"
        for r in arms.itertuples()
    ]
    return f'<table id="arms">{head}{"".join(body)}</table>'


def identity_table(identity: pd.DataFrame, links: int) -> str:
    identifiers, people, blocked = (int(v) for v in identity.iloc[0])
    merged = 1 - people / identifiers if identifiers else 0
    cells = [
        ("identifiers", f"{identifiers:,}"),
        ("people", f"{people:,}"),
        ("merge rate (1 - people / identifiers)", f"{merged:.1%}"),
        ("probabilistic links kept", f"{links:,}"),
        ("blocked identifiers (shared, junk)", f"{blocked:,}"),
    ]
    rows = "".join(f"<tr><td>{name}</td><td>{value}</td></tr>" for name, value in cells)
    return f'<table id="identity">{rows}</table>'


def render(data: dict[str, pd.DataFrame], as_of: str) -> str:
    import vl_convert

    currency = str(data["kpis"].currency.iloc[0]) if len(data["kpis"]) else "reporting currency"
    specs = {name: chart.to_dict() for name, chart in charts(data, currency).items()}
    payload = json.dumps(specs, default=str).replace("</", "<\\/")
    bundle = vl_convert.javascript_bundle(vl_version=alt.SCHEMA_VERSION.rsplit(".", 1)[0])

    def chart(name: str) -> str:
        return f'<div class="chart" id="{name}" data-rows="{len(data[name])}"></div>'

    no_exports = "" if len(data["exports"]) else "<p>No export run yet: <code>unified-segments export</code> writes one.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Segment report {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }}
h2 {{ margin-top: 2em; border-bottom: 1px solid #ccc; }} table {{ border-collapse: collapse; }}
td, th {{ padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }} p.note {{ color: #555; max-width: 780px; }}
</style>
<script>{bundle}</script></head><body>
<h1>Segment report, as of {as_of}</h1>
<h2>Segment sizes</h2>{chart("sizes")}
<h2>Overlap</h2>{chart("overlap")}
<h2>RFM grid</h2>{chart("rfm")}<p class="note">{html.escape(empty_scores(data["rfm"]))}</p>
<h2>KPIs</h2>{kpi_table(data["kpis"])}
<h2>Holdouts and splits (30-day conversion by arm)</h2>{arms_table(data["arms"])}
<h2>Identity health</h2>{identity_table(data["identity"], int(data["probabilistic_links"].links.iloc[0]))}{chart("components")}
<h2>Data quality</h2>{chart("quality")}
<h2>Export changes</h2>{no_exports}{chart("exports")}
<script id="report-specs" type="application/json">{payload}</script>
<script>
const specs = JSON.parse(document.getElementById('report-specs').textContent);
Promise.all(Object.entries(specs).map(([id, spec]) => vegaEmbed('#' + id, spec, {{actions: false, renderer: 'svg'}})))
  .then(() => {{ document.body.dataset.rendered = 'true'; }})
  .catch(error => {{ document.body.dataset.rendered = 'failed'; console.error(error); }});
</script>
</body></html>
"""


def collect(wh: warehouse.Warehouse, exports: Path) -> dict[str, pd.DataFrame]:
    data = {name: frame(wh, sql) for name, sql in QUERIES.items()}
    data["exports"] = export_changes(exports)
    return data


def write_report(wh: warehouse.Warehouse, out: Path, exports: Path = PROJECT_DIR / "exports") -> Path:
    data = collect(wh, exports)
    as_of = data["sizes"].as_of_date.iloc[-1] if len(data["sizes"]) else "never built"
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    temporary.write_text(render(data, as_of))
    temporary.replace(out)
    return out


def main(
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = PROJECT_DIR / "target" / "segment_report.html",
    exports: Annotated[Path, typer.Option(help="the export folder whose runs' changes are charted")] = PROJECT_DIR / "exports",
) -> None:
    wh = warehouse.connect(read_only=True)
    try:
        path = write_report(wh, out, exports)
    finally:
        wh.close()
    print(f"Segment report: {path}")


if __name__ == "__main__":  # run as a file, python scripts/segment_report.py: the same command as in unified-segments
    typer.run(main)
