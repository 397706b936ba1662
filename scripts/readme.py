"""Rewrite a generated section of README.md, between <!-- NAME:start --> and <!-- NAME:end -->."""

from __future__ import annotations

import re

from unified_segments.warehouse import PROJECT_DIR

README = PROJECT_DIR / "README.md"


def update_section(name: str, text: str) -> None:
    content = README.read_text()
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
    if not pattern.search(content):
        raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> markers")
    README.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content))
