"""The in-memory twin of :class:`DirectoryTransport` (used by the tests; handy in notebooks).

Every document is kept as the same bytes the directory transport would write, under the same
names (``run.json``, ``history.jsonl``, ``summary.json``, ``media/…``, ``files/…``).
"""

from __future__ import annotations

import threading
from typing import Any

from .. import _json
from ..core.store import MemoryStore, Store, sanitize_key
from ..errors import InvalidInputError, TransportError
from .base import Transport, no_dir

__all__ = ["MemoryTransport"]


class MemoryTransport(Transport):
    """Keeps the whole run in memory: ``files`` maps names to bytes, ``store`` holds media."""

    def __init__(self) -> None:
        self.url = "memory:"
        self.files: dict[str, bytes] = {}
        self.store = MemoryStore(prefix="media")
        self._history = bytearray()
        self._lock = threading.Lock()
        self.opened = False
        self.closed = False

    def exists(self) -> bool:
        return "run.json" in self.files

    def open(self, *, resume: bool = False) -> None:
        self.opened, self.closed = True, False
        if not resume:
            self._history.clear()

    def media_store(self) -> Store:
        return self.store

    def write_file(self, name: str, data: bytes) -> str:
        rel = "files/" + sanitize_key(name)
        with self._lock:
            self.files[rel] = bytes(data)
        return rel

    def append_file(self, name: str, data: bytes) -> None:
        rel = "files/" + sanitize_key(name)
        with self._lock:
            self.files[rel] = self.files.get(rel, b"") + data

    def append_rows(self, data: bytes) -> None:
        if not self.opened or self.closed:
            raise TransportError(f"{self!r} is not open; call open() first.")
        with self._lock:
            self._history += data

    def set_summary(self, data: bytes) -> None:
        with self._lock:
            self.files["summary.json"] = bytes(data)

    def set_meta(self, data: bytes) -> None:
        with self._lock:
            self.files["run.json"] = bytes(data)

    def read(self, name: str) -> bytes | None:
        with self._lock:
            if name == "history.jsonl":
                return bytes(self._history) if self.opened or self._history else None
            if name.startswith("media/"):
                return self.store.files.get(name)
            return self.files.get(name)

    def close(self) -> None:
        self.closed = True

    # Conveniences for tests and notebooks.
    @property
    def rows(self) -> list[dict[str, Any]]:
        return [_json.loads(line) for line in bytes(self._history).splitlines() if line]

    @property
    def summary(self) -> dict[str, Any]:
        data = self.files.get("summary.json")
        return {} if data is None else dict(_json.loads(data))

    @property
    def meta(self) -> dict[str, Any]:
        data = self.files.get("run.json")
        return {} if data is None else dict(_json.loads(data))


def from_url(rest: str, context: Any) -> MemoryTransport:
    """``"memory:"`` → a new in-memory run."""
    no_dir(context, "memory:")
    if rest:
        raise InvalidInputError(
            f"init: `transport` 'memory:' takes nothing after the colon; got {rest!r}."
        )
    return MemoryTransport()
