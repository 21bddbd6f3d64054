"""The media base class and the Loggable protocol the run layer consumes.

A media type is a class with a ``_type`` string and a schema version whose constructor validates
and normalizes its input (cheap: no encoding) and whose ``_encode()`` is a pure conversion step
``input -> (primary payload, manifest fields)``. ``to_manifest(store, key)`` encodes (once, cached),
writes every payload through a ``Store`` and returns the finished manifest; ``save(dir)`` does the
same for standalone use and writes ``<name>.manifest.json`` beside the files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from .. import _json
from ..errors import (
    InvalidInputError,
    InvalidTypeError,
    MediaError,
    MediaFileNotFoundError,
    UnsupportedFormatError,
    describe,
)
from .store import DirectoryStore, FileRef, Store, sanitize_key

__all__ = [
    "Encoded",
    "Loggable",
    "Media",
    "Payload",
    "TrackingStore",
    "file_refs",
    "kept_payload",
    "list_manifest",
    "save_manifest",
]

MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class Payload:
    """Bytes (or a file to copy byte-for-byte) that become one canonical file."""

    ext: str
    data: bytes | None = None
    source: str | None = None
    suffix: str = ""  # appended to the key for secondary files, e.g. "-mask-predictions"

    def __post_init__(self) -> None:
        if (self.data is None) == (self.source is None):
            raise ValueError("Payload needs exactly one of data or source")


Encoded = tuple[Payload | None, dict[str, Any]]


def kept_payload(ext: str, source: str | None, data: bytes | None) -> Payload:
    """The payload of an input file kept byte-for-byte: copied from its path, else its bytes."""
    return Payload(ext, source=source) if source is not None else Payload(ext, data=data)


@runtime_checkable
class Loggable(Protocol):
    """Anything the run layer can log: it turns itself into a manifest through a store."""

    def to_manifest(self, store: Store, key: str) -> dict[str, Any]: ...


def _write(payload: Payload, store: Store, key: str, written: list[str]) -> FileRef:
    k = key + payload.suffix
    if payload.data is not None:
        ref, created = store.put(k, payload.data, payload.ext)
    else:
        assert payload.source is not None
        ref, created = store.put_file(k, payload.source, payload.ext)
    if created:
        written.append(ref["path"])
    return ref


class TrackingStore:
    """Wraps a store and records the files it newly created, so a failed write can be undone
    without deleting deduplicated files that other manifests share."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.created: list[str] = []

    def put(self, key: str, data: bytes, ext: str) -> tuple[FileRef, bool]:
        ref, created = self.inner.put(key, data, ext)
        if created:
            self.created.append(ref["path"])
        return ref, created

    def put_file(self, key: str, source: str | os.PathLike[str], ext: str) -> tuple[FileRef, bool]:
        ref, created = self.inner.put_file(key, source, ext)
        if created:
            self.created.append(ref["path"])
        return ref, created

    def put_json(self, relname: str, data: bytes) -> str:
        return self.inner.put_json(relname, data)

    def remove(self, relpath: str) -> None:
        self.inner.remove(relpath)

    def rollback(self) -> None:
        for rel in reversed(self.created):
            self.inner.remove(rel)
        self.created.clear()
        prune = getattr(self.inner, "remove_created_folders", None)
        if prune is not None:  # a DirectoryStore: also the folders the failed save created
            prune()


def _resolve(value: Any, store: Store, key: str, written: list[str]) -> Any:
    if isinstance(value, Payload):
        return dict(_write(value, store, key, written))
    if isinstance(value, dict):
        return {k: _resolve(v, store, key, written) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, store, key, written) for v in value]
    return value


class Media:
    """Base class of every media type. Subclasses set ``_type`` and implement ``_encode``."""

    _type: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1
    caption: str | None = None
    _encoded: Encoded | None = None
    _encode_lock: threading.Lock

    def _encode(self) -> Encoded:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self) -> Encoded:
        """Encode once and cache: (primary payload or None, manifest fields with nested payloads)."""
        if self._encoded is None:
            lock = self.__dict__.setdefault("_encode_lock", threading.Lock())
            with lock:
                if self._encoded is None:
                    self._encoded = self._encode()
        return self._encoded

    def to_manifest(self, store: Store, key: str) -> dict[str, Any]:
        """Write this media's canonical file(s) through ``store`` under ``key``; return the manifest.

        Nothing is left behind when a write fails half-way.
        """
        primary, fields = self.encode()
        written: list[str] = []
        try:
            manifest: dict[str, Any] = {"_type": self._type, "schema_version": self.SCHEMA_VERSION}
            if primary is not None:
                manifest.update(_write(primary, store, key, written))
            manifest.update(_resolve(fields, store, key, written))
        except BaseException:
            for rel in written:
                store.remove(rel)
            raise
        return manifest

    def save(self, directory: str | os.PathLike[str], name: str | None = None) -> dict[str, Any]:
        """Write the canonical file(s) and ``<name>.manifest.json`` into ``directory``; return the manifest.

        >>> Image(np.zeros((8, 8), np.uint8)).save("out")["path"]  # doctest: +SKIP
        'image_<hash>.png'
        """
        return save_manifest(self, directory, name or self.default_name())

    def default_name(self) -> str:
        return self._type.split("-")[0].lower()

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Media:
        """Load a manifest written by this class back into an object (files read below ``root``)."""
        raise NotImplementedError(f"{cls.__name__} cannot be loaded back from a manifest yet")

    def __repr__(self) -> str:
        cap = f", caption={self.caption!r}" if self.caption else ""
        return f"<{type(self).__name__}{cap}>"


def save_manifest(obj: Loggable, directory: str | os.PathLike[str], name: str) -> dict[str, Any]:
    """Shared standalone save: files + schema-validated manifest JSON, nothing left on failure."""
    from .. import schemas

    store = TrackingStore(DirectoryStore(directory))
    key = sanitize_key(name)
    try:
        manifest = obj.to_manifest(store, key)
        schemas.validate(manifest)
        store.put_json(key + MANIFEST_SUFFIX, _json.dumps(manifest, indent=True))
    except BaseException:
        store.rollback()
        raise
    return manifest


def file_refs(manifest: Any) -> list[dict[str, Any]]:
    """Every file reference (a dict with ``path`` and ``sha256``) found anywhere in a manifest."""
    out: list[dict[str, Any]] = []
    if isinstance(manifest, dict):
        if isinstance(manifest.get("path"), str) and "sha256" in manifest:
            out.append(manifest)
        for v in manifest.values():
            out.extend(file_refs(v))
    elif isinstance(manifest, list):
        for v in manifest:
            out.extend(file_refs(v))
    return out


def list_manifest(items: Sequence[Any], store: Store, key: str) -> dict[str, Any]:
    """One manifest for a list of media of one type under one key (``_type: "media-list"``)."""
    if not items:
        raise InvalidInputError(f"`{key}` expects a non-empty list of media; got an empty list.")
    kinds = {type(i) for i in items}
    if len(kinds) != 1 or not isinstance(items[0], Loggable):
        names = sorted(k.__name__ for k in kinds)
        raise InvalidTypeError(
            f"`{key}` expects a list of media objects of one type; got {', '.join(names)}."
        )
    manifests: list[dict[str, Any]] = []
    tracking = TrackingStore(store)
    try:
        for i, item in enumerate(items):
            manifests.append(item.to_manifest(tracking, f"{key}/{i}"))
    except BaseException:
        tracking.rollback()
        raise
    item_type = manifests[0]["_type"]
    return {
        "_type": "media-list",
        "schema_version": 1,
        "item_type": item_type,
        "count": len(manifests),
        "captions": [m.get("caption") for m in manifests],
        "items": manifests,
    }


def is_media(value: Any) -> bool:
    return isinstance(value, Media)


def check_caption(caption: Any, owner: str) -> str | None:
    if caption is None or isinstance(caption, str):
        return caption
    raise InvalidTypeError(
        f"{owner}: `caption` expects a str or None; got {type(caption).__name__}."
    )


def check_format(
    value: Any, owner: str, param: str, choices: Sequence[str] | dict[str, str]
) -> str | None:
    """A format name (case and a leading dot ignored), or None when not given. ``choices`` is the
    accepted names, or a mapping from accepted spellings to canonical names (``jpg`` → ``jpeg``)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTypeError(f"{owner}: `{param}` expects a str; got {describe(value)}.")
    name = value.lower().lstrip(".")
    if name not in choices:
        raise UnsupportedFormatError(
            f"{owner}: `{param}` expects one of {', '.join(choices)}; got {value!r}."
        )
    return choices[name] if isinstance(choices, dict) else name


def file_type_of(file_type: Any, name: str | None, owner: str, choices: Sequence[str]) -> str:
    """``file_type`` when given, else the extension of the file ``name``; one of ``choices``."""
    ext = Path(name).suffix if name else ""
    found = check_format(
        file_type if file_type is not None else ext or None, owner, "file_type", choices
    )
    if found is None:
        raise InvalidInputError(
            f"{owner}: `file_type` is required for a file object without a name; pass one of "
            f"{', '.join(choices)}."
        )
    return found


def root_path(root: str | os.PathLike[str], manifest: dict[str, Any]) -> Path:
    """The file of a manifest below ``root``, refusing paths that leave it."""
    from .store import safe_relpath

    path = manifest.get("path")
    if not isinstance(path, str):
        raise MediaError(f"manifest of type {manifest.get('_type')!r} has no file path")
    target = safe_relpath(root, path)
    if not target.is_file():
        raise MediaFileNotFoundError(
            f"manifest of type {manifest.get('_type')!r} names {path!r}, which is missing below "
            f"{root}; the file was removed or never finished writing."
        )
    return target
