"""A transport that writes the canonical run directory and forwards the run to a second target.

The canonical directory is always written first, by a wrapped :class:`DirectoryTransport`, and a
failure of the second target never reaches that write: subclasses see each call *after* the
directory has it, and report their own failures at :meth:`close` (``finish``) as a
:class:`~mediatypes.errors.TransportError`, so nothing of the run is lost when the second
target goes away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.store import Store
from .base import Transport
from .directory import DirectoryTransport

__all__ = ["TeeTransport"]


class TeeTransport(Transport):
    """Base of tee transports: every call goes to ``self.canonical`` (a run directory) first."""

    def __init__(self, canonical: DirectoryTransport, url: str) -> None:
        self.canonical = canonical
        self.dir: Path | None = canonical.dir
        self.url = url

    def exists(self) -> bool:
        return self.canonical.exists()

    def open(self, *, resume: bool = False) -> None:
        self.canonical.rank = self.rank  # group="shared": the run set it on this transport
        self.canonical.open(resume=resume)

    def media_store(self) -> Store:
        return self.canonical.media_store()

    def write_file(self, name: str, data: bytes) -> str:
        return self.canonical.write_file(name, data)

    def append_file(self, name: str, data: bytes) -> None:
        self.canonical.append_file(name, data)

    def append_rows(self, data: bytes) -> None:
        self.canonical.append_rows(data)

    def set_summary(self, data: bytes) -> None:
        self.canonical.set_summary(data)

    def set_meta(self, data: bytes) -> None:
        self.canonical.set_meta(data)

    def read(self, name: str) -> bytes | None:
        return self.canonical.read(name)

    def set_rank_state(self, rank: int, data: bytes) -> None:
        self.canonical.set_rank_state(rank, data)

    def run_files(self) -> Any:
        return self.canonical.run_files()

    def close(self) -> None:
        self.canonical.close()


def canonical_for(context: Any) -> DirectoryTransport:
    """The run directory a tee keeps: ``<dir or $MEDIATYPES_DIR or runs>/<run id>``."""
    return DirectoryTransport(Path(context.base_dir) / context.run_id, durable=context.durable)
