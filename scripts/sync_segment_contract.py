"""Regenerate the segment columns of dim_customer_segments' contract from the segment catalogue.

    unified-segments segments           # rewrite the generated block
    unified-segments segments --check   # exit 1 if it is out of date (CI)

The catalogue (models/marts/segments/_segment_catalogue.yml) is the one place a segment is
declared; dbt needs every column of a contracted model declared in YAML, so this writes one
boolean column per enabled segment between the BEGIN/END markers of _segments__models.yml.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

from unified_segments.warehouse import PROJECT_DIR

CATALOGUE = PROJECT_DIR / "models" / "marts" / "segments" / "_segment_catalogue.yml"
CONTRACT = PROJECT_DIR / "models" / "marts" / "segments" / "_segments__models.yml"
BLOCK = re.compile(r"(      # BEGIN generated segment columns[^\n]*\n).*?(      # END generated segment columns)", re.S)


def segment_columns(catalogue: Path) -> str:
    models = yaml.safe_load(catalogue.read_text())["models"]
    segments = next(m for m in models if m["name"] == "segment_catalogue")["config"]["meta"]["segments"]
    lines = []
    for segment in sorted((s for s in segments if s.get("enabled", True)), key=lambda s: s.get("priority", 1000)):
        description = str(segment.get("description", "")).replace('"', "'")
        lines += [
            f"      - name: is_{segment['name']}",
            "        data_type: boolean",
            f'        description: "In segment {segment["name"]}: {description}"',
        ]
    return "".join(line + "\n" for line in lines)


def synced_text(contract: Path, catalogue: Path) -> str:
    text = contract.read_text()
    if not BLOCK.search(text):
        raise SystemExit(f"{contract}: no '# BEGIN/END generated segment columns' markers")
    return BLOCK.sub(lambda m: m.group(1) + segment_columns(catalogue) + m.group(2), text)


def main(
    check: Annotated[bool, typer.Option("--check", help="only report whether the contract is up to date")] = False,
    project_dir: Annotated[Path, typer.Option(help="the dbt project")] = PROJECT_DIR,
) -> None:
    segments_dir = project_dir / "models" / "marts" / "segments"
    contract, catalogue = segments_dir / CONTRACT.name, segments_dir / CATALOGUE.name
    wanted = synced_text(contract, catalogue)
    if wanted == contract.read_text():
        print("segment contract is up to date")
        return
    if check:
        sys.exit(f"{contract} is out of date with {catalogue.name}: run `make segments`")
    contract.write_text(wanted)
    print(f"updated the segment columns of {contract}")


if __name__ == "__main__":  # run as a file, python scripts/sync_segment_contract.py: the same command as in unified-segments
    typer.run(main)
