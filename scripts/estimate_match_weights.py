"""Estimate the Fellegi-Sunter weights of probabilistic matching and freeze them in a seed.

    python scripts/estimate_match_weights.py                   # writes seeds/match_weights.csv
    python scripts/estimate_match_weights.py --out weights.csv

Reads the built warehouse (DuckDB read-only), three samples of compared record pairs:
  m  the share of each field's comparison level between records of the same person, from
     identity.int_match_training_pairs: records that share an email or a phone, which
     deterministic identity links anyway (the labels);
  u  the share of each level between different people, from identity.int_match_random_pairs_compared
     (random pairs are almost all different people);
  prior  the share of matches among the candidate pairs (identity.int_match_pairs_compared), by
     expectation-maximisation with m and u held fixed.
Counts are add-one smoothed, so a level never seen keeps a finite weight. A missing field carries
no evidence and has no row. Rebuild afterwards (`dbt build`) so the pairs are scored with the new
weights; the seed is plain CSV, to read and to edit by hand.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from warehouse import PROJECT_DIR, connect

FIELDS = ["first_name", "last_name", "birth_date", "postal_code", "address_line", "city"]
LEVEL_COLUMNS = ", ".join(f"{f}_level" for f in FIELDS)
MAX_ITERATIONS = 500
TOLERANCE = 1e-9


def level_counts(wh, relation: str) -> dict[str, dict[str, int]]:
    counts = {}
    for field in FIELDS:
        sql = f"select {field}_level, count(*) from {relation} where {field}_level <> 'missing' group by {field}_level"
        counts[field] = dict(wh.rows(sql))
    return counts


def smoothed_shares(counts: dict[str, int], levels: list[str]) -> dict[str, float]:
    total = sum(counts.values()) + len(levels)
    return {level: (counts.get(level, 0) + 1) / total for level in levels}


def match_share(levels: tuple[str, ...], prior: float, m: dict, u: dict) -> float:
    """P(match | the pair's levels)."""
    p_match, p_other = prior, 1 - prior
    for field, level in zip(FIELDS, levels, strict=True):
        if level != "missing":
            p_match *= m[field][level]
            p_other *= u[field][level]
    return p_match / (p_match + p_other)


def estimate_prior(patterns: list[tuple[tuple[str, ...], int]], m: dict, u: dict) -> tuple[float, int]:
    """The share of matches among candidate pairs: EM on the prior alone; returns (prior, iterations)."""
    prior = 0.5
    total = sum(count for _, count in patterns)
    for iteration in range(1, MAX_ITERATIONS + 1):
        new_prior = sum(match_share(levels, prior, m, u) * count for levels, count in patterns) / total
        if abs(new_prior - prior) < TOLERANCE:
            return new_prior, iteration
        prior = new_prior
    return prior, MAX_ITERATIONS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "seeds" / "match_weights.csv")
    parser.add_argument("--target", help="default: UNIFIED_SEGMENTS_TARGET or duckdb")
    args = parser.parse_args(argv)

    wh = connect(args.target, read_only=True)
    try:
        labelled = level_counts(wh, "identity.int_match_training_pairs")
        random = level_counts(wh, "identity.int_match_random_pairs_compared")
        by_rule = wh.rows(
            "select blocking_rule, count(*) from identity.int_match_candidate_pairs group by blocking_rule order by blocking_rule"
        )
        oversized = wh.rows(
            "select blocking_rule, block_key, block_size from identity.int_match_blocks_oversized order by block_size desc"
        )
        patterns = [
            (tuple(row[:-1]), row[-1])
            for row in wh.rows(
                f"select {LEVEL_COLUMNS}, count(*) from identity.int_match_pairs_compared "
                f"group by {LEVEL_COLUMNS} order by {LEVEL_COLUMNS}"
            )
        ]
    finally:
        wh.close()
    for name, counts in (("training", labelled), ("random", random)):
        empty = [f for f in FIELDS if not counts[f]]
        if empty:
            raise SystemExit(f"no {name} pairs compare {', '.join(empty)}: build the int_match_* models on data that has them")
    if not patterns:
        raise SystemExit("no candidate pairs: build the int_match_* models first")

    levels = {f: sorted({*labelled[f], *random[f], *(p[FIELDS.index(f)] for p, _ in patterns)} - {"missing"}) for f in FIELDS}
    m = {f: smoothed_shares(labelled[f], levels[f]) for f in FIELDS}
    u = {f: smoothed_shares(random[f], levels[f]) for f in FIELDS}
    prior, iterations = estimate_prior(patterns, m, u)

    rows = [("prior", "match", prior, 1 - prior)]
    rows += [(f, level, m[f][level], u[f][level]) for f in FIELDS for level in levels[f]]
    with args.out.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["comparison", "level", "m_probability", "u_probability"])
        writer.writerows((c, level, f"{mp:.8f}", f"{up:.8f}") for c, level, mp, up in rows)
    pairs = {name: sum(counts["first_name"].values()) for name, counts in (("training", labelled), ("random", random))}
    print(
        f"m from {pairs['training']:,} training pairs, u from {pairs['random']:,} random pairs, prior by EM over "
        f"{sum(c for _, c in patterns):,} candidate pairs ({iterations} iterations); wrote {args.out}"
    )
    print("candidate pairs by (first) blocking rule: " + ", ".join(f"{rule} {n:,}" for rule, n in by_rule))
    for rule, key, size in oversized:
        print(f"WARNING: blocking rule {rule}: block {key!r} has {size:,} records, over the max block size; pairs skipped")
    print(f"{'comparison':<14}{'level':<11}{'m':>10}{'u':>10}{'weight':>9}")
    for c, level, mp, up in rows:
        print(f"{c:<14}{level:<11}{mp:>10.5f}{up:>10.5f}{math.log2(mp / up):>+9.2f}")


if __name__ == "__main__":
    main()
