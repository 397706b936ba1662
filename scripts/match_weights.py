"""Show the match weights a build estimated from its own data, and freeze them in the seed.

    unified-segments weights             # the weights, where they came from, a check
    unified-segments weights --freeze    # also write them to seeds/match_weights.csv

Reads the built warehouse (read-only): identity.int_match_weights (m, u and the prior, estimated
by the build: macro estimate_match_weights), identity.int_match_blocking_rules (what each blocking
rule found) and, as a check, the levels of the pairs that share an email or a phone
(identity.int_match_level_patterns, pair_sample 'labelled'): deterministic identity already calls them
one person, so their level shares are an m measured with labels, printed beside the estimate.

--freeze writes the weights to seeds/match_weights.csv (or --out): set var
unified_segments_match_weights to 'seed' and later builds score with them, so weights, and the
person ids they decide, stay put while the data grows. The seed is plain CSV, to read and to edit.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated

import typer

from unified_segments.warehouse import PROJECT_DIR, connect

SEED = PROJECT_DIR / "seeds" / "match_weights.csv"


def labelled_shares(wh) -> dict[tuple[str, str], float]:
    """(field, level) -> the level's share among labelled pairs where the field is not missing."""
    rows = wh.rows("select field_names, pattern, pairs from identity.int_match_level_patterns where pair_sample = 'labelled'")
    counts: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for fields, pattern, pairs in rows:
        for field, level in zip(fields.split("|"), pattern.split("|"), strict=True):
            if level != "missing":
                counts[(field, level)] = counts.get((field, level), 0) + pairs
                totals[field] = totals.get(field, 0) + pairs
    return {key: count / totals[key[0]] for key, count in counts.items()}


def write_seed(path: Path, weights: list[tuple]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["comparison", "level", "m_probability", "u_probability"])
        writer.writerows((c, level, f"{m:.15f}", f"{u:.15f}") for c, level, m, u, _ in weights)


def main(
    freeze: Annotated[bool, typer.Option("--freeze", help="write the weights to the seed")] = False,
    out: Annotated[Path, typer.Option(help="where --freeze writes")] = SEED,
    target: Annotated[str | None, typer.Option(help="default: UNIFIED_SEGMENTS_TARGET or duckdb")] = None,
) -> None:
    wh = connect(target, read_only=True)
    try:
        weights = wh.rows(
            "select comparison, level, m_probability, u_probability, estimated_from from identity.int_match_weights "
            "order by weight_order"
        )
        rules = wh.rows(
            "select blocking_rule, candidate_pairs, pairs_only_this_rule, expected_matches, matches "
            "from identity.int_match_blocking_rules order by blocking_rule"
        )
        check = labelled_shares(wh)
    finally:
        wh.close()
    if not weights:
        raise SystemExit("identity.int_match_weights is empty: build the int_match_* models first")

    print(f"{'blocking rule':<34}{'pairs':>10}{'only this rule':>16}{'expected matches':>18}{'matches':>9}")
    for rule, pairs, only, expected, matches in rules:
        print(f"{rule:<34}{pairs:>10,}{only:>16,}{float(expected):>18,.1f}{matches:>9,}")
    print()
    labels = "m of pairs sharing an email or phone" if check else ""
    print(f"{'comparison':<14}{'level':<19}{'m':>10}{'u':>10}{'weight':>9}  {labels:<38}estimated from")
    for comparison, level, m, u, source in weights:
        measured = f"{check[(comparison, level)]:.5f}" if (comparison, level) in check else ""
        print(f"{comparison:<14}{level:<19}{m:>10.3g}{u:>10.3g}{math.log2(m / u):>+9.2f}  {measured:<38}{source}")
    if freeze:
        write_seed(out, weights)
        print(f"\nwrote {out}: set var unified_segments_match_weights: seed to score with it")


if __name__ == "__main__":  # run as a file, python scripts/match_weights.py: the same command as in unified-segments
    typer.run(main)
