"""The embedded default transport: a plain run directory.

Layout::

    <run>/run.json         run metadata (atomic replace)
    <run>/history.jsonl    one JSON object per committed row, appended with O_APPEND
    <run>/summary.json     the summary (atomic replace)
    <run>/media/…          content-addressed media files (atomic temp + rename)
    <run>/files/…          console output, diff.patch, requirements.txt, system metrics

Several processes logging into one run (``init(group="shared")``) each append to their own
``history/<rank>.jsonl`` and write files of ranks above 0 below ``files/rank-<rank>/``; each
rank's state is ``ranks/<rank>.json``. Nothing is ever truncated in that mode.

Rows are appended with ``os.write`` on an ``O_APPEND`` descriptor as whole lines, so once this
returns they are in the OS page cache and survive a kill of the process; ``close`` also fsyncs.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from ..core.store import DirectoryStore, Store, atomic_write, safe_relpath, sanitize_key
from ..errors import InvalidInputError, TransportError
from .base import RUN_FILES, Transport, no_dir

__all__ = ["DirectoryTransport"]


class DirectoryTransport(Transport):
    """Writes a run into the folder ``path`` (created when missing).

    ``durable=True`` also fsyncs every media file and metadata replacement (slower).
    """

    supports_ranks = True

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = False) -> None:
        self.dir = Path(path)
        self.url = f"dir:{self.dir}"
        self.durable = durable
        self._fd: int | None = None
        self._appends: dict[str, int] = {}
        self._lock = threading.Lock()
        self._store: DirectoryStore | None = None

    def exists(self) -> bool:
        assert self.dir is not None
        return (self.dir / "run.json").is_file()

    def open(self, *, resume: bool = False) -> None:
        assert self.dir is not None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            if self.rank is not None:  # one file per rank; other ranks' rows are never touched
                (self.dir / "history").mkdir(exist_ok=True)
                history = self.dir / "history" / f"{self.rank}.jsonl"
            else:
                history = self.dir / "history.jsonl"
                if not resume:
                    flags |= os.O_TRUNC
            self._fd = os.open(history, flags, 0o644)
        except OSError as exc:
            raise TransportError(f"cannot open the run directory {self.dir}: {exc}") from exc

    def media_store(self) -> Store:
        if self._store is None:
            assert self.dir is not None
            self._store = DirectoryStore(self.dir, prefix="media", durable=self.durable)
        return self._store

    def _file(self, name: str) -> Path:
        assert self.dir is not None
        rel = sanitize_key(name)
        if self.rank:
            rel = f"rank-{self.rank}/{rel}"
        target = self.dir / "files" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_file(self, name: str, data: bytes) -> str:
        target = self._file(name)
        try:
            atomic_write(target, data, durable=self.durable)
        except OSError as exc:
            raise TransportError(f"cannot write {target}: {exc}") from exc
        assert self.dir is not None
        return target.relative_to(self.dir).as_posix()

    def append_file(self, name: str, data: bytes) -> None:
        with self._lock:
            fd = self._appends.get(name)
            if fd is None:
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
                fd = self._appends[name] = os.open(self._file(name), flags, 0o644)
            _write_all(fd, data)

    def append_rows(self, data: bytes) -> None:
        if self._fd is None:
            raise TransportError(f"{self!r} is not open; call open() first.")
        with self._lock:
            _write_all(self._fd, data)

    def set_summary(self, data: bytes) -> None:
        assert self.dir is not None
        atomic_write(self.dir / "summary.json", data, durable=self.durable)

    def set_meta(self, data: bytes) -> None:
        assert self.dir is not None
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.dir / "run.json", data, durable=self.durable)

    def set_rank_state(self, rank: int, data: bytes) -> None:
        assert self.dir is not None
        (self.dir / "ranks").mkdir(parents=True, exist_ok=True)
        atomic_write(self.dir / "ranks" / f"{int(rank)}.json", data, durable=self.durable)

    def read(self, name: str) -> bytes | None:
        assert self.dir is not None
        if name == "history.jsonl" and self.rank is not None:
            name = f"history/{self.rank}.jsonl"
        path = self.dir / name if name in RUN_FILES else safe_relpath(self.dir, name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def close(self) -> None:
        with self._lock:
            fds = [fd for fd in (self._fd, *self._appends.values()) if fd is not None]
            self._fd = None
            self._appends.clear()
        for fd in fds:
            with contextlib.suppress(OSError):  # e.g. a filesystem without fsync
                os.fsync(fd)
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except OSError as exc:
            raise TransportError(f"cannot append to the run: {exc}") from exc
        view = view[n:]


def from_url(rest: str, context: Any) -> DirectoryTransport:
    """``"dir:<path>"`` → the folder ``<path>``."""
    no_dir(context, "dir:")
    if not rest:
        raise InvalidInputError("init: `transport` 'dir:' needs a folder, e.g. 'dir:runs/exp1'.")
    return DirectoryTransport(rest, durable=context.durable)
