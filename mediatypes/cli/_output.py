"""Shared output helpers of the command line: JSON on stdout, usage errors, the progress bar."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .. import _json

__all__ = ["UsageError", "emit_json", "progress_bar", "wrap"]


def wrap(text: str) -> str:
    """A help description wrapped for the terminal (the raw formatter keeps epilogs as written)."""
    import textwrap

    return textwrap.fill(" ".join(text.split()), width=88)


class UsageError(Exception):
    """A command was called wrongly (exit code 2)."""


def emit_json(obj: Any) -> None:
    sys.stdout.write(_json.dumps(obj, indent=True).decode() + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def progress_bar(
    total: int | None, desc: str, unit: str = "file"
) -> Iterator[Callable[[int], None]]:
    """Yield ``tick(n)``; shows a tqdm bar on stderr when it is a terminal and tqdm is installed
    and the work is long enough to be worth one (hidden otherwise). ``total=None``: a counter of
    work whose size is not known in advance."""
    show = (total is None or total >= 20) and sys.stderr.isatty()
    bar: Any = None
    if show:
        try:
            from tqdm import tqdm

            bar = tqdm(
                total=total, desc=desc, unit=unit, unit_scale=total is None, file=sys.stderr,
                leave=False,
            )  # fmt: skip
        except ImportError:
            bar = None
    if bar is None:
        yield lambda n: None
        return
    try:
        yield bar.update
    finally:
        bar.close()
