"""The `unified-segments` command: every task a user runs, one subcommand each.

The tasks' code lives in the package's modules (scripts/, installed as the package unified_segments);
dbt stays the engine of all model logic: `build` and `redact` run it in-process, with a progress bar
over its nodes.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
import time
from collections import Counter, deque
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from unified_segments import (
    benchmark,
    check_expectations,
    evaluate_identity,
    export_audiences,
    generate_data,
    generate_phone_countries,
    import_online_retail,
    load_raw,
    match_weights,
    microbatch,
    quality,
    segment_report,
    splink_reference,
    sync_segment_contract,
    warehouse,
)
from unified_segments.progress import bar

app = typer.Typer(
    name="unified-segments",
    help="Identity-resolved customer profiles and marketing segments, built with dbt. Every task is a subcommand; "
    "`unified-segments COMMAND --help` says more.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def dbt(args: list[str], description: str) -> None:
    """Run dbt in-process, quiet but for errors, with a bar over the nodes it runs; a summary line
    after, and exit 1 when anything failed."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_PROFILES_DIR", str(warehouse.PROJECT_DIR))
    started = time.perf_counter()
    with bar() as progress:
        nodes = progress.add_task(description, total=None)

        def advance(event) -> None:
            name = event.info.name
            if name == "LogStartLine":
                progress.update(nodes, total=event.data.total, description=f"{description}: {event.data.node_info.node_name}")
            elif name == "NodeFinished":
                progress.advance(nodes)

        result = dbtRunner(callbacks=[advance]).invoke(["--quiet", *args, "--project-dir", str(warehouse.PROJECT_DIR)])
        results = getattr(result.result, "results", None) or []
        progress.update(nodes, description=description, completed=len(results), total=len(results))
    seconds = time.perf_counter() - started
    if result.exception is not None:
        raise SystemExit(f"dbt {args[0]} did not run: {result.exception}")
    counts = Counter(str(r.status) for r in results)
    print(f"dbt {args[0]}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + f" in {seconds:.0f} s")
    if not result.success:
        raise typer.Exit(1)


def as_of_date() -> date:
    """The as-of date the project's var unified_segments_as_of_date names (today: the UTC date)."""
    value = str(warehouse.project_var("unified_segments_as_of_date"))
    if value.strip().lower() == "today":
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SystemExit(
            f"dbt_project.yml: var unified_segments_as_of_date must be a date YYYY-MM-DD or today, got {value!r}"
        ) from None


def build(
    context: typer.Context,
    history: Annotated[
        int,
        typer.Option(
            help="first build the segments as of this many earlier weeks (oldest first), so their history "
            "(sizes, snapshots, transitions) starts with several dates"
        ),
    ] = 0,
) -> None:
    """Run `dbt build` on the target the profile names (UNIFIED_SEGMENTS_TARGET, default the embedded
    DuckDB), with a progress bar over its nodes. Any further arguments go to dbt as they are, e.g.
    `unified-segments build --select marts --vars '{unified_segments_as_of_date: 2026-11-01}'`.
    With --history N, the models the segment history needs are first run as of N, N-1, ... 1
    weeks before the project's as-of date (tests run once, on the last build)."""
    if history and any(arg == "--vars" or arg.startswith("--vars=") for arg in context.args):
        raise SystemExit("--history builds weeks before the project's as-of date: give it without --vars")
    as_of = as_of_date() if history else None
    history_models = ["+fct_segment_sizes", "+fct_primary_segment_snapshots", "+fct_segment_membership_history"]
    for weeks in range(history, 0, -1):
        earlier = {"unified_segments_as_of_date": (as_of - timedelta(weeks=weeks)).isoformat()}
        dbt(
            ["run", "--select", *history_models, "--vars", json.dumps(earlier)], f"as of {earlier['unified_segments_as_of_date']}"
        )
    dbt(["build", *context.args], "building")


def redact() -> None:
    """Carry out the erasure requests: the macro redact_erased_people writes hashed tombstones,
    deletes or redacts raw rows as each source's meta says and purges the incremental models; then
    everything is rebuilt, so no model keeps an erased person (README, "Erasure procedure")."""
    dbt(["run-operation", "redact_erased_people"], "redacting")
    dbt(["build"], "rebuilding")


def find_identifier(wh: warehouse.Warehouse, given: str) -> tuple:
    """The resolved identifier a user names: its key (type:value), its value, or a person id (the
    person's anchor identifier)."""
    p = wh.param
    rows = wh.rows(
        "select identifier_key, person_id, resolution, component_size, block_rule from identity.int_identifiers_resolved "
        f"where identifier_key = {p} or identifier_value = {p} or (person_id = {p} and identifier_key = anchor_identifier_key) "
        "order by identifier_key",
        (given, given.strip().lower(), given),
    )
    if not rows:
        raise SystemExit(f"no resolved identifier or person is {given!r}: give type:value (email:ann@example.com) or a person id")
    if len(rows) > 1:
        raise SystemExit(f"{given!r} names {len(rows)} identifiers ({', '.join(r[0] for r in rows[:5])}): give one as type:value")
    return rows[0]


def shortest_path(edges: list[tuple], start: str, goal: str) -> list[tuple]:
    """The fewest kept edges from start to goal (breadth first); empty when they are not linked."""
    neighbours: dict[str, list[tuple]] = {}
    for edge in edges:
        neighbours.setdefault(edge[0], []).append((edge[1], edge))
        neighbours.setdefault(edge[1], []).append((edge[0], edge))
    came_from: dict[str, tuple | None] = {start: None}
    queue = deque([start])
    while queue and goal not in came_from:
        node = queue.popleft()
        for other, edge in sorted(neighbours.get(node, []), key=lambda n: n[0]):
            if other not in came_from:
                came_from[other] = (node, edge)
                queue.append(other)
    path, node = [], goal
    while came_from.get(node):
        node, edge = came_from[node]
        path.append(edge)
    return path[::-1]


def explain(
    identifier: Annotated[str, typer.Argument(help="type:value (email:ann@example.com), a bare value or a person id")],
    other: Annotated[str | None, typer.Argument(help="a second identifier; default: the person's anchor identifier")] = None,
) -> None:
    """Explain a link: the person an identifier resolved to, and the shortest chain of kept links
    (each with the source that showed it, when, an example row, and for a probabilistic match the
    evidence per compared field) from it to another identifier, by default the person's anchor.
    Links of the person's identifiers that merge protection dropped are listed with their rule."""
    wh = warehouse.connect(read_only=True)
    try:
        key, person, resolution, size, block_rule = find_identifier(wh, identifier)
        if other is None:
            anchor = f"select anchor_identifier_key from identity.int_identifiers_resolved where identifier_key = {wh.param}"
            goal = wh.rows(anchor, (key,))[0][0]
        else:
            goal, other_person = find_identifier(wh, other)[:2]
            if other_person != person:
                raise SystemExit(f"{key} is {person} and {goal} is {other_person}: they are not linked")
        members = "select identifier_key from identity.int_identifiers_resolved where person_id = " + wh.param
        edges = wh.rows(
            "select identifier_key_a, identifier_key_b, source_model, link_kind, decision, drop_rule, first_seen_at, "
            "observation_count, example_source_row_key from identity.int_identity_edge_decisions "
            f"where identifier_key_a in ({members}) or identifier_key_b in ({members}) "
            "order by identifier_key_a, identifier_key_b, source_model",
            (person, person),
        )
        evidence = dict(
            ((a, b), text)
            for a, b, text in wh.rows(
                "select identifier_key_a, identifier_key_b, evidence from identity.int_match_pairs_explained where is_match"
            )
        )
    finally:
        wh.close()
    print(f"{key} is person {person} ({resolution}; {size} identifier(s){f'; blocked: {block_rule}' if block_rule else ''})")
    path = shortest_path([e for e in edges if e[4] == "kept"], key, goal)
    if key != goal:
        print(f"linked to {goal} by {len(path)} link(s):")
    for a, b, source, kind, _, _, first_seen, count, example in path:
        print(f"  {a} -- {b}\n    {kind} seen {count} time(s) in {source} since {first_seen}, e.g. row {example}")
        if source == "probabilistic_match":
            print(f"    evidence: {evidence.get((a, b)) or evidence.get((b, a)) or 'not kept'}")
    for a, b, source, _, _, rule, _, _, example in (e for e in edges if e[4] != "kept"):
        print(f"  not linked: {a} -- {b} ({source}, e.g. row {example}): merge protection dropped it ({rule})")


def preview(
    rule: Annotated[str, typer.Argument(help="a catalogue segment's name, or a boolean SQL expression over its columns")],
) -> None:
    """Count the people a segment rule matches now: a catalogue segment's name (its compiled rule)
    or a boolean SQL expression over the columns rules read (segments.int_segment_rule_inputs: the profile,
    tiers and RFM scores), e.g. `unified-segments preview "orders >= 3 and days_since_last_purchase <= 60"`.
    Prints the matches, their share of all profiles and how many each export family may receive."""
    wh = warehouse.connect(read_only=True)
    try:
        p = wh.param
        compiled = wh.rows(f"select rule_sql from marts.segment_catalogue where segment_name = {p}", (rule,))
        condition = compiled[0][0] if compiled else rule
        placeholder = re.search(r"\{\w+\}", condition)
        if placeholder:
            raise SystemExit(f"the rule has a placeholder ({placeholder.group()}): put its value in")
        try:
            matches = f"count(case when coalesce(({condition}), false) then 1 end)"
            total, matched = wh.rows(f"select count(*), {matches} from segments.int_segment_rule_inputs")[0]
            families = wh.rows(
                "select eligibility.export_family, count(*) from segments.int_segment_rule_inputs as inputs "
                "inner join customers.int_person_export_eligibility as eligibility on inputs.person_id = eligibility.person_id "
                f"where coalesce(({condition}), false) and eligibility.is_exportable group by eligibility.export_family "
                "order by eligibility.export_family"
            )
        except Exception as error:  # the engine's own message names what is wrong with the expression
            raise SystemExit(f"the rule does not run: {str(error).splitlines()[0]}") from None
    finally:
        wh.close()
    print(f"{rule if not compiled else f'{rule}: {condition}'}")
    print(f"matches {matched:,} of {total:,} profiles ({matched / total if total else 0:.1%})")
    for family, n in families:
        print(f"  exportable to {family}: {n:,}")


def module_doc(module) -> str:
    """A module's docstring as help: prose paragraphs joined into lines rich wraps to the terminal,
    indented lines (examples, layouts) kept as they are."""
    paragraphs = []
    for paragraph in module.__doc__.strip().split("\n\n"):
        lines = paragraph.splitlines()
        indented = any(line.startswith(" ") for line in lines)
        paragraphs.append(textwrap.dedent(paragraph) if indented else " ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


# name, what runs, the line `unified-segments --help` shows; in the order a user meets them.
TASKS = [
    ("generate", generate_data, "Generate a deterministic synthetic shop (raw files plus ground truth)."),
    ("load", load_raw, "Land a folder of Parquet, CSV or JSON Lines files (or a vendor's export) in the raw tables."),
    ("import-online-retail", import_online_retail, "Land the UCI Online Retail data (real transactions) in the raw tables."),
    ("build", build, "dbt build: every model, seed, snapshot and test, with progress; extra arguments go to dbt."),
    ("quality", quality, "Freshness, every dbt test and the Great Expectations checkpoint, summarised."),
    ("expectations", check_expectations, "The Great Expectations checkpoint on what leaves the warehouse."),
    ("preview", preview, "How many people a segment rule matches now, and how many each export may receive."),
    ("explain", explain, "Why an identifier is part of a person: the chain of links and each link's evidence."),
    ("export", export_audiences, "Write every audience in each destination's format, with manifest and change sets."),
    ("microbatch", microbatch, "Load a landed folder, build only what it changes and export the change set."),
    ("redact", redact, "Erasure: replace erased people's raw rows by hashed tombstones, then rebuild."),
    ("report", segment_report, "Render the segment report (HTML) from the warehouse, read-only."),
    ("evaluate", evaluate_identity, "Score identity resolution against the generator's ground truth."),
    ("weights", match_weights, "Print the match weights the build estimated (--freeze writes the seed)."),
    ("benchmark", benchmark, "Measure the generator, the build or matching (against Splink) and publish the numbers."),
]
DEVELOPMENT_TASKS = [
    ("segments", sync_segment_contract, "Regenerate dim_customer_segments' contract columns from the catalogue."),
    ("phone-countries", generate_phone_countries, "Regenerate the phone-country macro from libphonenumber."),
]
for name, runs, short in TASKS + DEVELOPMENT_TASKS:
    command = runs if callable(runs) else runs.main
    app.command(
        name,
        help=None if callable(runs) else module_doc(runs),
        short_help=short,
        rich_help_panel="Development" if (name, runs, short) in DEVELOPMENT_TASKS else None,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True} if runs is build else None,
    )(command)
app.command("splink-reference", help=module_doc(splink_reference), hidden=True)(splink_reference.main)


def main() -> None:
    app()
