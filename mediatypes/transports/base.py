"""The small protocol every transport implements: where a run's rows, summary and files go.

A run talks to its transport only through these methods and only in bytes and manifests (it
never hands over media classes). Rows arrive as complete JSON lines, in commit order, from one
writer thread at a time; ``run.json`` and ``summary.json`` are whole documents that replace the
previous version atomically. Media files go through the :class:`~mediatypes.core.store.Store`
returned by :meth:`Transport.media_store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.store import Store
from ..errors import InvalidInputError

__all__ = ["RUN_FILES", "Transport", "no_dir"]

# The run-level documents every transport can read back by name.
RUN_FILES = ("run.json", "history.jsonl", "summary.json")


class Transport:
    """Base class of transports. Subclass it and implement every method.

    ``dir`` is the local folder holding the run (media paths in manifests are relative to it),
    or ``None`` for transports that keep nothing on the local disk.
    """

    dir: Path | None = None
    url: str = ""
    # Several processes logging into one run (init(group="shared")): the run sets ``rank`` before
    # open(); a transport that supports it writes that rank's history and files apart.
    supports_ranks: bool = False
    rank: int | None = None

    def open(self, *, resume: bool = False) -> None:
        """Prepare to receive a run; ``resume`` appends to what is already there."""
        raise NotImplementedError

    def exists(self) -> bool:
        """True when a run (its ``run.json``) is already stored here."""
        raise NotImplementedError

    def media_store(self) -> Store:
        """The store media objects write their canonical files into (below ``media/``)."""
        raise NotImplementedError

    def write_file(self, name: str, data: bytes) -> str:
        """Write (replace atomically) ``files/<name>``; return its path relative to the run."""
        raise NotImplementedError

    def append_file(self, name: str, data: bytes) -> None:
        """Append bytes to ``files/<name>`` (console output, system metrics)."""
        raise NotImplementedError

    def append_rows(self, data: bytes) -> None:
        """Append one or more complete JSON lines (each ending in ``\\n``) to the history."""
        raise NotImplementedError

    def set_summary(self, data: bytes) -> None:
        """Replace ``summary.json`` atomically."""
        raise NotImplementedError

    def set_meta(self, data: bytes) -> None:
        """Replace ``run.json`` atomically."""
        raise NotImplementedError

    def read(self, name: str) -> bytes | None:
        """The stored bytes of ``run.json``, ``history.jsonl``, ``summary.json`` or
        ``files/<name>``; ``None`` when absent."""
        raise NotImplementedError

    def close(self) -> None:
        """Flush everything to durable storage and release resources (idempotent)."""
        raise NotImplementedError

    # ---- optional: transports that buffer, or that several processes share ------------------
    def sync(self, *, force: bool = False) -> None:
        """Push buffered data that is due (called by the run's background thread about every
        25 ms; ``force`` by ``run.flush()`` and ``finish()``). Nothing to do by default."""

    def set_rank_state(self, rank: int, data: bytes) -> None:
        """Replace ``ranks/<rank>.json`` (group="shared" only)."""
        raise NotImplementedError

    def run_files(self) -> Any:
        """A ``mediatypes.runs.files.RunFiles`` reading what this transport stored, or None."""
        if self.dir is None:
            return None
        from ..runs.files import LocalRunFiles

        return LocalRunFiles(self.dir)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


def no_dir(context: Any, scheme: str) -> None:
    """Refuse ``init(dir=..., transport="<scheme>...")`` for transports that keep no run directory
    beside them (``dir`` would be silently ignored)."""
    if getattr(context, "dir_given", False):
        raise InvalidInputError(
            f"init: pass either `dir` or `transport={scheme!r}...`, not both (this transport "
            f"decides where the run goes)."
        )
