"""`python -m unified_segments` is the `unified-segments` command."""

from .cli import main

main()
