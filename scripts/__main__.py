"""`python -m unified_segments` is the `unified-segments` command."""

from unified_segments.cli import main

main()
