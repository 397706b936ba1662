"""Splink 5 on DuckDB on exactly what our matching sees: the reference the matching benchmark
compares us with (scripts/benchmark.py matching runs it as a subprocess, so its time and memory
are measured apart from ours).

    unified-segments splink-reference warehouse.duckdb pairs.csv --threshold 0.99

Reads the built warehouse's identity.int_match_records (the contacts with our normalisation and
blocking keys) and the match fields and blocking rules of dbt_project.yml's vars, so both tools
compare the same values of the same fields and score the same candidate pairs. Each of our
comparison types maps to the Splink comparison its documentation uses for such a field (names:
NameComparison, Jaro-Winkler levels; dates: DateOfBirthComparison; codes: Damerau-Levenshtein;
text: Levenshtein; exact: ExactMatch), with term-frequency adjustments where our var asks for them.
Trained as its tutorials train: the prior from deterministic rules, u by random sampling, m by EM
on three blocking rules. Writes the pairs at or above the threshold (contact_id_l, contact_id_r,
match_probability) and prints the seconds it took to train and predict.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from unified_segments.warehouse import project_var


def comparisons(fields: list[dict]) -> list:
    import splink.comparison_library as cl

    made = []
    for entry in fields:
        name, kind, tf = entry["field"], entry["comparison"], bool(entry.get("term_frequencies"))
        if kind == "name":
            comparison = cl.NameComparison(name)
        elif kind == "date":
            comparison = cl.DateOfBirthComparison(name, input_is_string=False)
        elif kind == "code":
            comparison = cl.DamerauLevenshteinAtThresholds(name, [1, 2])
        elif kind == "text":
            comparison = cl.LevenshteinAtThresholds(name, [1, 2, 3])
        else:
            comparison = cl.ExactMatch(name)
        made.append(comparison.configure(term_frequency_adjustments=tf) if tf else comparison)
    return made


def main(
    warehouse: Annotated[Path, typer.Argument(help="a DuckDB file holding identity.int_match_records")],
    pairs: Annotated[Path, typer.Argument(help="the CSV file the predicted pairs are written to")],
    threshold: Annotated[float, typer.Option(help="the match probability a pair needs")] = 0.99,
) -> None:
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    fields = project_var("unified_segments_match_fields")
    rules = project_var("unified_segments_match_blocking_rules")
    con = duckdb.connect(str(warehouse), read_only=True)
    records = con.execute("select * from identity.int_match_records").df()
    con.close()
    start = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons(fields),
        blocking_rules_to_generate_predictions=[block_on(*rule["columns"]) for rule in rules],
    )
    linker = Linker(DuckDBAPI().register(records), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date"), block_on("postal_code", "address_line")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for columns in (("first_name", "last_name"), ("birth_date",), ("postal_code",)):
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
    predictions = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    predictions = predictions.rename(columns={"record_id_l": "contact_id_l", "record_id_r": "contact_id_r"})
    predictions[["contact_id_l", "contact_id_r", "match_probability"]].to_csv(pairs, index=False)
    print(f"seconds {seconds:.2f}")


if __name__ == "__main__":  # run as a file, python scripts/splink_reference.py: the same command as in unified-segments
    typer.run(main)
