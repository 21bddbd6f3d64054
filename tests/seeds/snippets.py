"""What the seed-example tests share: the ``Snippet`` record, running a snippet through the shim,
showing that a printed example does not parse or run, and its smallest repair.

A snippet is copied verbatim from a seed document (``/work/shared/seeds/*.md``) and runs with only
its import changed: ``import wandb`` → ``from tests.seeds import reference as wandb`` (the shim is
also imported before every snippet, as the document's surrounding code would have imported it).
``test_seed_coverage`` checks every copy against the seeds whenever they are present.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import mediatypes as mt
from mediatypes import open_run
from mediatypes.runs.reader import RunReader, problems

FIX = Path(__file__).parents[2] / "fixtures"
SEEDS = Path(os.environ.get("MEDIATYPES_SEEDS", "/work/shared/seeds"))
S0, S1, S2, S3, S4 = (
    "000_bc6ac167b44a0278.md",
    "001_e1cf267fe651b906.md",
    "002_c5dcefa6519db3c2.md",
    "003_c3dac60ba0a56e8f.md",
    "004_0564125cd4d8f558.md",
)
SHIM = "from tests.seeds import reference as wandb"
IMPORT = SHIM + "\nimport numpy as np\n"


class Snippet(NamedTuple):
    """One example, at each place it is printed (the same text in several editions).

    ``form``: ``"block"`` a whole fenced code block (line of its first line); ``"inline"`` an
    inline `code` span in a line of prose; ``"text"`` lines of a page without code markup (the
    scraped edition 003), copied with their indentation: a single line is a part of its line, more
    lines are whole lines. Text snippets run dedented (the page indents some under list items).
    """

    sources: list[tuple[str, int]]  # (seed file, line of the snippet's first line)
    code: str
    form: str = "block"

    @property
    def nlines(self) -> int:
        return len(self.code.rstrip("\n").split("\n"))


def with_shim(code: str) -> str:
    """The snippet with its own ``import wandb`` lines (if any) going through the shim."""
    return re.sub(r"(?m)^(\s*)import wandb$", lambda m: m.group(1) + SHIM, code)


def execute(code: str, where: str, **inputs: Any) -> dict[str, Any]:
    """Run ``code`` after the changed import, with ``inputs`` defined; return its namespace."""
    namespace: dict[str, Any] = dict(inputs)
    exec(compile(IMPORT, "<import>", "exec"), namespace)
    exec(compile(with_shim(code), where, "exec"), namespace)
    return namespace


def where(snippet: Snippet, note: str = "") -> str:
    seed, line = snippet.sources[0]
    return f"<{seed}:{line}{', ' + note if note else ''}>"


def run_snippet(snippet: Snippet, **inputs: Any) -> dict[str, Any]:
    code = textwrap.dedent(snippet.code) if snippet.form == "text" else snippet.code
    return execute(code, where(snippet), **inputs)


def does_not_parse(code: str) -> None:
    with pytest.raises(SyntaxError):
        compile(IMPORT + with_shim(code), "<seed>", "exec")


def repair(code: str, old: str, new: str) -> str:
    """``code`` with the one occurrence of ``old`` replaced by ``new`` (the repair a test names)."""
    assert code.count(old) == 1, f"{old!r} occurs {code.count(old)} times"
    return code.replace(old, new)


# ---- runs -----------------------------------------------------------------------------------


class SeedRun(NamedTuple):
    path: Path
    run: mt.Run


def finished(seed: SeedRun) -> RunReader:
    """Finish the run, check that every manifest and file in it validates, and open it."""
    seed.run.finish()
    return checked(seed.path)


def checked(path: Path) -> RunReader:
    """Check that every manifest and file of the run at ``path`` validates, and open it."""
    assert problems(path) == []
    return open_run(path)


def logged(reader: RunReader, key: str) -> dict[str, Any]:
    """The manifest logged under ``key`` (from the one history row that has it)."""
    rows = reader.history(keys=[key])
    assert len(rows) == 1
    return rows[0][key]  # type: ignore[no-any-return]


def rows(reader: RunReader) -> list[dict[str, Any]]:
    """The history rows without their clock fields (``_timestamp``, ``_runtime``)."""
    return [
        {k: v for k, v in row.items() if k not in ("_timestamp", "_runtime")}
        for row in reader.rows()
    ]


def values(reader: RunReader) -> dict[str, Any]:
    """The summary without the clock fields and ``_step``."""
    return {k: v for k, v in reader.summary.items() if not k.startswith("_")}


def started_runs(work: Path) -> list[Path]:
    """The run folders that examples started with ``wandb.init`` (see the ``work`` fixture),
    oldest first."""
    runs = work.parent / "runs"
    found = [p for p in runs.iterdir() if (p / "run.json").is_file()] if runs.is_dir() else []
    return sorted(found, key=lambda p: open_run(p).meta["started_at"])
