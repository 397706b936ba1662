"""Progress bars for every step that can take more than a few seconds.

Drawn on standard error, so what a command prints on standard output stays the same with or
without them; off the terminal (CI, a pipe) rich draws nothing until the step ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")
CONSOLE = Console(stderr=True)


def bar(disable: bool = False) -> Progress:
    """A bar per task: its description, the bar, done of total, and the time taken so far."""
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=CONSOLE,
        disable=disable,
    )


def track(items: Iterable[T], total: int, description: str, disable: bool = False) -> Iterator[T]:
    """Yield the items, advancing one bar."""
    with bar(disable) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


@contextmanager
def step(description: str) -> Iterator[None]:
    """A bar without a total, running while one long step (a dbt command, a checkpoint) runs."""
    with bar() as progress:
        progress.add_task(description, total=None)
        yield
