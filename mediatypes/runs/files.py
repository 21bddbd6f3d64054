"""The files of one run, wherever it is: a local folder or an object-store prefix (``s3://…``).

Everything that reads a run (``open_run``, ``validate``, ``info``, ``recover``, the summary
editor) goes through a :class:`RunFiles`: read a file, test it, list a prefix, hash it, replace it
whole. :class:`LocalRunFiles` is plain file I/O on a folder (the common case stays as fast as it
was); URLs other than ``file://`` get the fsspec implementation of
``mediatypes.transports.object_store`` (imported only then). Relative paths are checked the same
way in both: nothing outside the run's root is ever read or written, whatever a manifest says.

History layouts a run may hold (the reader merges them, see ``history_sources``)::

    history.jsonl                   one writer, appended (the directory transport)
    history/<rank>.jsonl            one appended file per rank (directory transport, group="shared")
    history/<rank>/<seq:08d>.jsonl  immutable numbered segments (object storage)
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.store import DirectoryStore, Store, atomic_write, file_sha256, safe_relpath
from ..errors import InvalidTypeError, MediaError, MediaFileNotFoundError

__all__ = [
    "LocalRunFiles",
    "RunFiles",
    "history_sources",
    "is_url",
    "run_files",
    "segments_of",
]

TEMP_PREFIX = ".tmp-"
SEGMENTS = ".segments"  # files/<name>.segments/<seq:08d>: an appended file kept as segments
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_RANK_FILE = re.compile(r"^history/(\d+)\.jsonl$")
_RANK_SEGMENT = re.compile(r"^history/(\d+)/(\d+)\.jsonl$")


def is_url(location: Any) -> bool:
    """True for ``scheme://…`` strings (``s3://``, ``gs://``, ``file://``…)."""
    return isinstance(location, str) and bool(_URL.match(location))


class RunFiles:
    """Read access (and whole-file replacement) to the files of one run, by POSIX relative path.

    ``local`` is the run's folder on this machine, or None for a remote run.
    """

    url: str = ""
    local: Path | None = None

    def read(self, rel: str) -> bytes | None:
        """The bytes of ``rel``; None when it does not exist."""
        raise NotImplementedError

    def exists(self, rel: str) -> bool:
        raise NotImplementedError

    def listing(self, prefix: str = "") -> list[str]:
        """Relative paths of every file below ``prefix`` (a folder; "" = the whole run), sorted."""
        raise NotImplementedError

    def folders(self) -> list[str]:
        """Names of the folders directly below the root, sorted (a prefix holding runs)."""
        return sorted({rel.split("/", 1)[0] for rel in self.listing() if "/" in rel})

    def sizes(self) -> dict[str, int]:
        """Every file of the run and its size in bytes."""
        raise NotImplementedError

    def sha256(self, rel: str) -> tuple[str, int] | None:
        """(sha256 hex digest, size) of ``rel``; None when it does not exist."""
        raise NotImplementedError

    def replace(self, rel: str, data: bytes) -> None:
        """Replace ``rel`` with ``data`` whole (a reader sees the old or the new bytes)."""
        raise NotImplementedError

    def media_store(self) -> Store:
        """A store writing content-addressed files below ``media/`` of the run."""
        raise NotImplementedError

    def lock(self) -> contextlib.AbstractContextManager[Any]:
        """Serializes editors of the run's summary (a no-op where the storage has no locks)."""
        return contextlib.nullcontext()

    def source(self, rel: str) -> bytes | Path:
        """What ``iter_rows`` streams: a local path, or the bytes of a remote file."""
        data = self.read(rel)
        return b"" if data is None else data

    def sources(self, rels: list[str]) -> Iterator[tuple[str, bytes | Path]]:
        """``(rel, source)`` for each file in order (a remote run fetches a few at a time)."""
        for rel in rels:
            yield rel, self.source(rel)

    def local_root(self, manifest: Any) -> Path:
        """A local folder holding every file ``manifest`` references (at the same relative paths),
        for loading media back; a remote run downloads them into a cache first."""
        raise NotImplementedError

    def where(self, rel: str = "") -> str:
        """``rel`` as users should see it in messages (a local path or a URL)."""
        return f"{self.url.rstrip('/')}/{rel}" if rel else self.url

    def read_bytes(self, rel: str) -> bytes:
        data = self.read(rel)
        if data is None:
            raise MediaFileNotFoundError(f"no file {rel!r} in the run at {self.where()}.")
        return data

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class LocalRunFiles(RunFiles):
    """A run folder on this machine: plain file I/O."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.local = Path(root)
        self.url = str(self.local)

    def _path(self, rel: str) -> Path:
        assert self.local is not None
        return safe_relpath(self.local, rel)

    def read(self, rel: str) -> bytes | None:
        try:
            return self._path(rel).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, rel: str) -> bool:
        try:
            return self._path(rel).is_file()
        except MediaError:
            return False

    def listing(self, prefix: str = "") -> list[str]:
        assert self.local is not None
        top = self._path(prefix) if prefix else self.local
        root = os.path.realpath(self.local)
        out: list[str] = []
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            for name in names:
                if not name.startswith(TEMP_PREFIX):
                    full = os.path.join(folder, name)
                    out.append(Path(os.path.relpath(full, root)).as_posix())
        return sorted(out)

    def folders(self) -> list[str]:
        assert self.local is not None
        try:  # links are not followed out of the folder
            return sorted(p.name for p in self.local.iterdir() if p.is_dir() and not p.is_symlink())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def sizes(self) -> dict[str, int]:
        assert self.local is not None
        out: dict[str, int] = {}
        for p in self.local.rglob("*"):
            if p.is_file():
                out[p.relative_to(self.local).as_posix()] = p.stat().st_size
        return out

    def sha256(self, rel: str) -> tuple[str, int] | None:
        target = self._path(rel)
        if not target.is_file():
            return None
        return file_sha256(target)

    def replace(self, rel: str, data: bytes) -> None:
        atomic_write(self._path(rel), data)

    def media_store(self) -> Store:
        assert self.local is not None
        return DirectoryStore(self.local, prefix="media")

    def lock(self) -> contextlib.AbstractContextManager[Any]:
        assert self.local is not None
        return _flock(self.local / ".summary.lock")

    def source(self, rel: str) -> bytes | Path:
        return self._path(rel)

    def local_root(self, manifest: Any) -> Path:
        assert self.local is not None
        return self.local

    def where(self, rel: str = "") -> str:
        assert self.local is not None
        return str(self.local / rel) if rel else str(self.local)


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: single editor assumed
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def run_files(location: Any, storage_options: dict[str, Any] | None = None) -> RunFiles:
    """The :class:`RunFiles` of a run: a local folder (path or ``file://`` URL) or any fsspec URL
    (``s3://bucket/prefix/run``; ``storage_options`` go to the filesystem, e.g. an endpoint)."""
    if isinstance(location, RunFiles):
        return location
    if isinstance(location, os.PathLike):
        return LocalRunFiles(location)
    if not isinstance(location, str):
        raise InvalidTypeError(
            f"expected a run folder (str or os.PathLike) or a URL such as 's3://bucket/run'; got "
            f"{type(location).__name__}."
        )
    if location.startswith("file://") and not storage_options:
        return LocalRunFiles(location[len("file://") :])
    if is_url(location):
        from ..transports.object_store import RemoteRunFiles

        return RemoteRunFiles(location, storage_options=storage_options)
    return LocalRunFiles(location)


def history_sources(files: RunFiles) -> list[tuple[int | None, list[str]]]:
    """The history files of a run, grouped by writer: ``(rank, [relpaths in order])``; rank None is
    the single-writer ``history.jsonl``. Unrecognized names below ``history/`` are ignored."""
    out: list[tuple[int | None, list[str]]] = []
    if files.exists("history.jsonl"):
        out.append((None, ["history.jsonl"]))
    by_rank: dict[int, list[tuple[int, str]]] = {}
    for rel in files.listing("history"):
        m = _RANK_FILE.match(rel)
        if m is not None:
            by_rank.setdefault(int(m.group(1)), []).append((-1, rel))
            continue
        m = _RANK_SEGMENT.match(rel)
        if m is not None:
            by_rank.setdefault(int(m.group(1)), []).append((int(m.group(2)), rel))
    for rank in sorted(by_rank):
        out.append((rank, [rel for _, rel in sorted(by_rank[rank])]))
    return out


def segments_of(files: RunFiles, rel: str) -> list[str]:
    """The segments ``<rel>.segments/<seq>`` of a file kept as segments on object storage."""
    return [p for p in files.listing(rel + SEGMENTS) if p.rsplit("/", 1)[-1].isdigit()]
