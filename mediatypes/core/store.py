"""Content-addressed file stores: where canonical media files go.

A store maps ``(key, bytes, extension)`` to a file named ``<key>_<sha256[:20]>.<ext>`` below its
root and returns a file reference ``{"path", "sha256", "size"}`` with a POSIX path relative to the
root. The same bytes under the same key are stored once. Keys are sanitized so that nothing can be
written outside the root, whatever the key holds (``../``, absolute paths, NUL, reserved names,
unicode look-alikes, very long names); symlinks inside the root that point outside are refused.

``DirectoryStore`` writes atomically (temp file + rename); ``MemoryStore`` keeps bytes in a dict
and is what tests and the in-memory transport use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, TypedDict, runtime_checkable

from ..errors import InvalidInputError, InvalidTypeError, TransportError, UnsafePathError

__all__ = [
    "DirectoryStore",
    "FileRef",
    "MemoryStore",
    "Store",
    "atomic_copy",
    "atomic_write",
    "file_sha256",
    "safe_relpath",
    "sanitize_key",
]

HASH_CHARS = 20
MAX_COMPONENT = 64
MAX_COMPONENT_BYTES = 128  # leaves room for "_<hash>.<ext>" inside the usual 255-byte name limit
MAX_DEPTH = 8
_UNSAFE_CHARS = re.compile(r"[^\w.\-+=@,]", re.UNICODE)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


class FileRef(TypedDict):
    path: str
    sha256: str
    size: int


@runtime_checkable
class Store(Protocol):
    """Where a media object writes its canonical files."""

    def put(self, key: str, data: bytes, ext: str) -> tuple[FileRef, bool]:
        """Store bytes; return the reference and whether a new file was created (False: deduplicated)."""
        ...

    def put_file(
        self, key: str, source: str | os.PathLike[str], ext: str
    ) -> tuple[FileRef, bool]: ...

    def put_json(self, relname: str, data: bytes) -> str: ...

    def remove(self, relpath: str) -> None: ...


def _component(part: str) -> str:
    part = _UNSAFE_CHARS.sub("_", part)
    part = part.rstrip(". ")
    if part.startswith("."):
        part = "_" + part[1:]
    if not part or set(part) <= {"."}:
        part = "_"
    if _WINDOWS_RESERVED.match(part):
        part = "_" + part
    if (
        len(part) > MAX_COMPONENT
        or len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES
    ):
        digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        head = part[: MAX_COMPONENT - 9]
        # Limits count bytes, not characters: 55 four-byte letters would overflow a file name.
        while len(head.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES - 9:
            head = head[:-1]
        part = head + "~" + digest
    return part


def sanitize_key(key: str) -> str:
    """Turn any string into a safe relative POSIX path of at most MAX_DEPTH readable components.

    >>> sanitize_key("../../etc//passwd")
    '_/_/etc/passwd'
    """
    if not isinstance(key, str):
        raise InvalidTypeError(f"key expects a str; got {type(key).__name__}.")
    text = unicodedata.normalize("NFKC", key).replace("\\", "/").replace("\x00", "_")
    parts = [_component(p) for p in text.split("/") if p != ""]
    if not parts:
        return "_"
    if len(parts) > MAX_DEPTH:
        parts = [*parts[: MAX_DEPTH - 1], _component("_".join(parts[MAX_DEPTH - 1 :]))]
    return "/".join(parts)


def _inside(root: str, target: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def safe_relpath(root: str | os.PathLike[str], relpath: str) -> Path:
    """Resolve ``relpath`` below ``root`` and refuse anything (``..``, absolute, symlink) that leaves it."""
    root_real = os.path.realpath(root)
    if not isinstance(relpath, str):
        raise InvalidTypeError(f"path expects a str; got {type(relpath).__name__}.")
    try:
        os.fsencode(relpath)
    except UnicodeError:  # lone surrogates cannot name a file
        raise UnsafePathError(f"path expects a valid file name; got {relpath!r}.") from None
    if os.path.isabs(relpath) or "\x00" in relpath:
        raise UnsafePathError(f"path expects a relative path inside {root}; got {relpath!r}.")
    target = os.path.realpath(os.path.join(root_real, relpath))
    if not _inside(root_real, target):
        raise UnsafePathError(
            f"path {relpath!r} resolves to {target}, outside the root {root_real}; "
            "paths in manifests must stay inside their root."
        )
    return Path(target)


def file_sha256(path: str | os.PathLike[str]) -> tuple[str, int]:
    """sha256 hex digest and size of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _atomic(path: str, fill: Callable[[BinaryIO], object], durable: bool) -> None:
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and ``os.replace``."""
    _atomic(os.fspath(path), lambda fh: fh.write(data), durable)


def atomic_copy(
    path: str | os.PathLike[str], source: str | os.PathLike[str], *, durable: bool = False
) -> None:
    """Copy the file ``source`` to ``path`` (1 MiB blocks) via a temp file and ``os.replace``."""

    def fill(out: BinaryIO) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    _atomic(os.fspath(path), fill, durable)


def _ensure_folder(folder: Path) -> list[Path]:
    """Create ``folder`` (and its parents) unless it is already there; returns the folders that
    were missing, deepest first. A stat is checked first: mkdir takes the parent folder's lock
    even when the folder exists, and parallel writers (one per convert worker, each saving into
    the same folders) would queue on it."""
    if folder.is_dir():
        return []
    missing, probe = [], folder
    while probe != probe.parent and not probe.exists():
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _name(key: str, digest: str, ext: str) -> str:
    ext = _component(ext.lstrip(".").lower())
    return f"{sanitize_key(key)}_{digest[:HASH_CHARS]}.{ext}"


class DirectoryStore:
    """Content-addressed files below ``root`` (optionally below ``root/prefix``).

    Paths in the returned references are relative to ``root``.
    """

    def __init__(
        self, root: str | os.PathLike[str], prefix: str = "", *, durable: bool = False
    ) -> None:
        if not isinstance(root, (str, os.PathLike)) or isinstance(os.fspath(root), bytes):
            raise InvalidTypeError(
                f"the output folder expects a path (str or os.PathLike); got {type(root).__name__}."
            )
        self.root = Path(root)
        self.prefix = sanitize_key(prefix) if prefix else ""
        self.durable = durable
        # folders this store created, deepest first: a failed save removes those left empty
        self.created_folders: list[Path] = []
        try:
            self.created_folders += _ensure_folder(self.root)
        except OSError as exc:
            raise TransportError(f"cannot create the output folder {self.root}: {exc}") from exc
        except ValueError as exc:  # a NUL byte or a lone surrogate cannot name a folder
            raise InvalidInputError(
                f"the output folder {str(root)!r} is not a valid path: {exc}."
            ) from exc
        self._root_real = os.path.realpath(self.root)
        self._folders: set[Path] = set()  # folders already created (skips a mkdir syscall per file)

    def _target(self, relname: str) -> tuple[str, Path]:
        rel = f"{self.prefix}/{relname}" if self.prefix else relname
        # Refuse symlinked folders that lead out of the root before creating anything in them.
        probe = self._root_real
        for part in rel.split("/")[:-1]:
            probe = os.path.join(probe, part)
            if os.path.islink(probe) and not _inside(self._root_real, os.path.realpath(probe)):
                raise UnsafePathError(
                    f"key folder {part!r} is a symlink leading outside {self._root_real}; refusing to write."
                )
        target = Path(self._root_real, rel)
        if target.parent not in self._folders:
            try:
                self.created_folders[:0] = _ensure_folder(target.parent)
            except OSError as exc:
                raise TransportError(f"cannot create folder {target.parent}: {exc}") from exc
            self._folders.add(target.parent)
        if os.path.islink(target) or not _inside(self._root_real, os.path.realpath(target.parent)):
            raise UnsafePathError(f"{rel!r} would be written outside {self._root_real}; refusing.")
        return rel, target

    def _write(self, target: Path, write: Callable[[], None], what: str) -> None:
        """Run ``write``; if the folder vanished since it was created (deleted from outside),
        create it again once instead of failing every later write."""
        try:
            try:
                write()
            except FileNotFoundError:
                self._folders.discard(target.parent)
                self.created_folders[:0] = _ensure_folder(target.parent)
                self._folders.add(target.parent)
                write()
        except OSError as exc:
            raise TransportError(f"cannot write {what}: {exc}") from exc

    def put(self, key: str, data: bytes, ext: str) -> tuple[FileRef, bool]:
        digest = hashlib.sha256(data).hexdigest()
        rel, target = self._target(_name(key, digest, ext))
        created = not target.exists()
        if created:
            self._write(
                target, lambda: atomic_write(target, data, durable=self.durable), str(target)
            )
        return {"path": rel, "sha256": digest, "size": len(data)}, created

    def put_file(self, key: str, source: str | os.PathLike[str], ext: str) -> tuple[FileRef, bool]:
        digest, size = file_sha256(source)
        rel, target = self._target(_name(key, digest, ext))
        created = not target.exists()
        if created:
            self._write(
                target,
                lambda: atomic_copy(target, source, durable=self.durable),
                f"{target} (copy of {source})",
            )
        return {"path": rel, "sha256": digest, "size": size}, created

    def put_json(self, relname: str, data: bytes) -> str:
        """Write a non-content-addressed file (a manifest) atomically; returns its relative path."""
        rel, target = self._target(sanitize_key(relname))
        self._write(target, lambda: atomic_write(target, data, durable=self.durable), str(target))
        return rel

    def remove(self, relpath: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            safe_relpath(self._root_real, relpath).unlink()

    def remove_created_folders(self) -> None:
        """Remove the folders this store created that are empty now (after a rollback). A folder
        another writer has put a file into stays (rmdir refuses it); a writer whose folder goes
        away between its check and its write creates it again (``_write``)."""
        for folder in sorted(set(self.created_folders), key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()
            self._folders.discard(folder)
        self.created_folders.clear()

    def open(self, relpath: str) -> bytes:
        return safe_relpath(self._root_real, relpath).read_bytes()


class MemoryStore:
    """The in-memory twin of DirectoryStore: same names, same references, bytes kept in ``files``."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = sanitize_key(prefix) if prefix else ""
        self.files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _rel(self, relname: str) -> str:
        return f"{self.prefix}/{relname}" if self.prefix else relname

    def put(self, key: str, data: bytes, ext: str) -> tuple[FileRef, bool]:
        digest = hashlib.sha256(data).hexdigest()
        rel = self._rel(_name(key, digest, ext))
        with self._lock:
            created = rel not in self.files
            if created:
                self.files[rel] = bytes(data)
        return {"path": rel, "sha256": digest, "size": len(data)}, created

    def put_file(self, key: str, source: str | os.PathLike[str], ext: str) -> tuple[FileRef, bool]:
        return self.put(key, Path(source).read_bytes(), ext)

    def put_json(self, relname: str, data: bytes) -> str:
        rel = self._rel(sanitize_key(relname))
        with self._lock:
            self.files[rel] = bytes(data)
        return rel

    def remove(self, relpath: str) -> None:
        with self._lock:
            self.files.pop(relpath, None)

    def open(self, relpath: str) -> bytes:
        return self.files[relpath]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.files))
