"""Runs on object storage through fsspec: ``s3://``, ``gs://``, ``az://``, ``file://``, any fsspec URL.

``init(transport="s3://bucket/prefix/run")`` writes the run below that URL. Objects are written
whole and never appended to::

    <run>/run.json, summary.json            replaced whole (one PUT each)
    <run>/history/<rank>/<seq:08d>.jsonl    immutable numbered segments of rows, cut every
                                            ``segment_rows`` rows or ``segment_seconds`` seconds,
                                            and at flush()/finish()
    <run>/files/<name>                      written whole (diff.patch, requirements.txt)
    <run>/files/<name>.segments/<seq:08d>   appended streams (output.log, system.jsonl)
    <run>/media/<key>_<sha256[:20]>.<ext>   content-addressed, written once (skipped if present)
    <run>/ranks/<rank>.json                 each process's state (group="shared" only)

Every upload happens on the run's background threads (rows on the row flusher, media on ``UPLOADS``
upload threads fed by the encoders; a history segment is stored only after the media its rows
name), never in ``log()``. A failed upload is retried ``retries`` times with exponential backoff;
after that the data stays queued for the next round (every ``cooldown`` seconds; rows and whole
objects in memory, a media object as its spilled copy, its row keeping the manifest), a copy of
everything not stored yet is written below the spill folder (``$MEDIATYPES_SPILL_DIR``, default
``~/.cache/mediatypes/spill``, at the same paths as in the run), and a ``TransportError`` naming
the object, the store's answer and the copy is raised once at the next ``log()`` (and by every
``flush()`` / ``finish()`` that cannot store everything). Committed segments are never rewritten,
and every attempt at a segment carries the same rows.

Credentials and endpoints are fsspec's: ``storage_options`` (``init(storage_options={...})``,
``open_run(url, storage_options={...})``), the environment (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``…, honoured by botocore), or fsspec's configuration files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from .._optional import install_line
from ..core.media import file_refs
from ..core.store import FileRef, Store, _name, atomic_write, safe_relpath, sanitize_key
from ..errors import (
    InvalidInputError,
    InvalidTypeError,
    MediaError,
    MissingDependencyError,
    TransportError,
    UnsafePathError,
)
from ..runs.files import SEGMENTS, RunFiles
from .base import Transport

__all__ = ["ObjectStore", "ObjectStoreTransport", "RemoteRunFiles", "filesystem"]

# fsspec protocol -> the package that implements it (for the install hint)
_BACKENDS = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs"}
_BACKENDS.update(abfs="adlfs", abfss="adlfs")
# errors a retry cannot fix (s3fs maps NoSuchBucket / AccessDenied to these)
_PERMANENT = (FileNotFoundError, PermissionError, NotADirectoryError, IsADirectoryError)
FETCH_BATCH = 16  # history segments fetched concurrently when reading a run
SEGMENT_CACHE_BYTES = 256 << 20  # history segments a reader keeps in memory (RemoteRunFiles)
_SEGMENT = re.compile(r"^history/\d+/\d+\.jsonl$")
STREAM_BYTES = 1 << 20  # an appended stream is cut into a segment at this size (or on time)
UPLOADS = 8  # media uploads in flight at once (their own threads: each waits a round trip)


def filesystem(url: str, storage_options: dict[str, Any] | None = None) -> tuple[Any, str]:
    """``(fsspec filesystem, path without protocol)`` for ``url``; our errors for a missing
    backend (with the install line) or an unknown protocol."""
    protocol = url.split("://", 1)[0].lower()
    try:
        import fsspec
    except ImportError as exc:
        raise MissingDependencyError(
            f"runs on object storage ({url}) need the optional dependency 'fsspec', which is not "
            f"installed. Install it with: pip install 'mediatypes[cloud]'"
        ) from exc
    if storage_options is not None and not isinstance(storage_options, dict):
        raise InvalidTypeError(
            f"`storage_options` expects a dict of fsspec options (e.g. {{'endpoint_url': ...}}); "
            f"got {type(storage_options).__name__}."
        )
    try:
        fs, path = fsspec.core.url_to_fs(url, **(storage_options or {}))
    except ImportError as exc:
        backend = _BACKENDS.get(protocol, protocol)
        hint = install_line("s3fs") if backend == "s3fs" else f"pip install {backend}"
        raise MissingDependencyError(
            f"runs on {protocol}:// need the optional dependency '{backend}', which is not "
            f"installed. Install it with: {hint}"
        ) from exc
    except ValueError as exc:
        raise InvalidInputError(
            f"`transport` / `path` {url!r}: fsspec knows no protocol {protocol!r} ({exc})."
        ) from exc
    except TypeError as exc:
        raise InvalidInputError(
            f"`storage_options` {sorted(storage_options or {})} are not accepted by the "
            f"{protocol}:// filesystem ({exc})."
        ) from exc
    return fs, str(path).rstrip("/")


def clean_rel(rel: str, url: str) -> str:
    """``rel`` as a normalized relative object path; refuses anything that could leave the run
    (``..``, absolute, NUL, backslashes), whatever a manifest or key says."""
    if not isinstance(rel, str):
        raise InvalidTypeError(f"path expects a str; got {type(rel).__name__}.")
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if (
        not parts
        or rel.startswith("/")
        or ".." in parts
        or "\x00" in rel
        or "\\" in rel
        or not rel.isprintable()
    ):
        raise UnsafePathError(f"path expects a relative path inside {url}; got {rel!r}.")
    return "/".join(parts)


def describe_error(exc: BaseException) -> str:
    """What went wrong, for users: the store's own answer when there is one (``HTTP 500
    InternalError: We encountered an internal error.``, found on the botocore error s3fs raises
    from), else ``Type: message`` (timeouts often carry no message)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        response = getattr(e, "response", None)
        if isinstance(response, dict) and isinstance(response.get("Error"), dict):
            error = response["Error"]
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            code, message = error.get("Code"), error.get("Message")
            head = " ".join(str(x) for x in (f"HTTP {status}" if status else None, code) if x)
            return f"{head}: {message}" if message else head
        e = e.__cause__ or e.__context__
    text = str(exc).strip()
    if not text and isinstance(exc, TimeoutError):
        text = "no answer before the timeout"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fail(what: str, where: str, exc: BaseException) -> TransportError:
    return TransportError(f"{what} {where} failed: {describe_error(exc)}")


class RemoteRunFiles(RunFiles):
    """The files of a run below an fsspec URL (read side; also replaces whole objects)."""

    def __init__(
        self,
        url: str,
        *,
        storage_options: dict[str, Any] | None = None,
        fs: Any = None,
        root: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        if fs is None or root is None:
            fs, root = filesystem(url, storage_options)
        self.fs = fs
        # An upper bound on every call: S3 PUTs wait for "100 Continue" with no timeout of their
        # own, so an endpoint that accepts connections and never answers would hang a write
        # forever. fsspec's async filesystems take ``timeout=`` and cancel the call.
        from fsspec.asyn import AsyncFileSystem

        self.timeout = float(timeout or 0)
        self._kw: dict[str, Any] = (
            {"timeout": float(timeout)} if isinstance(fs, AsyncFileSystem) and timeout else {}
        )
        self.root = root
        self.url = url.rstrip("/")
        self.local = None
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[Any, ...]] = {}  # rel -> (size, etag) when last listed
        self._segments: dict[str, tuple[tuple[Any, ...], bytes]] = {}  # history segments read
        self._held = 0  # bytes in _segments
        protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
        # file://: fsspec writes in place; a temp file + rename keeps "replaced whole" true
        self._posix = "file" in protocols or "local" in protocols

    def key(self, rel: str) -> str:
        return f"{self.root}/{clean_rel(rel, self.url)}"

    def _stale(self, key: str) -> bool:
        """Forget the cached listing of ``key``'s folder, if there is one; True when there was.
        fsspec answers "no such file" from a folder listing it cached earlier, but this run may
        have been written since (by this process or another), so a miss is asked again."""
        parent = self.fs._parent(key)
        if parent not in self.fs.dircache:
            return False
        self.fs.invalidate_cache(parent)
        return True

    def read(self, rel: str) -> bytes | None:
        key = self.key(rel)
        try:
            try:
                return bytes(self.fs.cat_file(key, **self._kw))
            except FileNotFoundError:
                if not self._stale(key):
                    raise
                return bytes(self.fs.cat_file(key, **self._kw))
        except (FileNotFoundError, IsADirectoryError):
            return None
        except Exception as exc:
            raise _fail("reading", self.where(rel), exc) from exc

    def exists(self, rel: str) -> bool:
        try:
            key = self.key(rel)
        except MediaError:
            return False
        try:
            found = bool(self.fs.isfile(key, **self._kw))
            if not found and self._stale(key):
                found = bool(self.fs.isfile(key, **self._kw))
            return found
        except FileNotFoundError:
            return False
        except Exception as exc:
            raise _fail("checking", self.where(rel), exc) from exc

    def _find(self, prefix: str, detail: bool) -> Any:
        base = self.key(prefix) if prefix else self.root
        try:
            # another process may have written since: forget the listings below ``base`` too
            self.fs.invalidate_cache(base)
            for cached in [k for k in self.fs.dircache if k.startswith(base + "/")]:
                self.fs.dircache.pop(cached, None)
            return self.fs.find(base, detail=detail, **self._kw)
        except FileNotFoundError:
            return {} if detail else []
        except Exception as exc:
            raise _fail("listing", self.where(prefix), exc) from exc

    def _rel(self, key: str) -> str:
        return key[len(self.root) + 1 :] if key.startswith(self.root + "/") else key

    def _listed(self, prefix: str) -> dict[str, dict[str, Any]]:
        """``{rel: fsspec info}`` below ``prefix``; remembers each file's version (for the
        segment cache)."""
        found = {self._rel(k): v for k, v in self._find(prefix, True).items()}
        with self._lock:
            self._versions.update((rel, _version(info)) for rel, info in found.items())
        return found

    def listing(self, prefix: str = "") -> list[str]:
        return sorted(self._listed(prefix))

    def folders(self) -> list[str]:
        """One listing call with a delimiter (not a walk of every object below)."""
        try:
            self.fs.invalidate_cache(self.root)
            entries = self.fs.ls(self.root, detail=True, **self._kw)
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise _fail("listing", self.where(), exc) from exc
        names = {
            self._rel(str(e["name"]).rstrip("/")) for e in entries if e.get("type") == "directory"
        }
        return sorted(n for n in names if n and "/" not in n)

    def sizes(self) -> dict[str, int]:
        return {rel: int(info.get("size") or 0) for rel, info in self._listed("").items()}

    def sha256(self, rel: str) -> tuple[str, int] | None:
        data = self.read(rel)
        if data is None:
            return None
        return hashlib.sha256(data).hexdigest(), len(data)

    def replace(self, rel: str, data: bytes) -> None:
        try:
            if self._posix:
                target = Path(self.key(rel))
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data)
                return
            self.fs.pipe_file(self.key(rel), bytes(data), **self._kw)
        except MediaError:
            raise
        except Exception as exc:
            raise _fail("writing", self.where(rel), exc) from exc

    def remove(self, rel: str) -> None:
        try:
            self.fs.rm_file(self.key(rel), **self._kw)
        except FileNotFoundError:
            return
        except MediaError:
            raise
        except Exception as exc:
            raise _fail("removing", self.where(rel), exc) from exc

    def media_store(self) -> Store:
        return ObjectStore(self.replace, self.exists, self.remove)

    def sources(self, rels: list[str]) -> Iterator[tuple[str, bytes | Path]]:
        """History files a few at a time; a segment read before (and listed with the same
        version since) comes from memory: segments are never rewritten, so a reader asked for
        its rows again (``history(samples=)`` reads them twice, a viewer polls a live run)
        fetches only new ones."""
        for i in range(0, len(rels), FETCH_BATCH):
            batch = rels[i : i + FETCH_BATCH]
            got = {rel: data for rel in batch if (data := self._recall(rel)) is not None}
            keys = {self.key(r): r for r in batch if r not in got}
            try:
                if len(keys) > 1:
                    fetched = self.fs.cat(list(keys), on_error="return", **self._kw)
                    got.update((keys[k], v) for k, v in fetched.items() if isinstance(v, bytes))
            except Exception as exc:
                raise _fail("reading", self.where(batch[0]), exc) from exc
            for rel in batch:
                data = got.get(rel)
                if data is None:  # one at a time: a clear error for this one
                    data = self.read_bytes(rel)
                self._remember(rel, data)
                yield rel, data

    def _recall(self, rel: str) -> bytes | None:
        with self._lock:
            hit = self._segments.get(rel)
            version = self._versions.get(rel)
        return hit[1] if hit is not None and version is not None and hit[0] == version else None

    def _remember(self, rel: str, data: bytes) -> None:
        if not _SEGMENT.match(rel):
            return
        with self._lock:
            version = self._versions.get(rel)
            if version is None or version[0] != len(data):  # not listed, or changed meanwhile
                return
            old = self._segments.pop(rel, None)
            self._held -= len(old[1]) if old else 0
            # full: keep what is there (a reader goes in order; evicting the first segments to
            # make room for the last would miss every one of them on the next pass)
            if self._held + len(data) <= SEGMENT_CACHE_BYTES:
                self._segments[rel] = (version, data)
                self._held += len(data)

    def cache_dir(self) -> Path:
        """Where files of this run are downloaded to for loading media (content-addressed files
        never change, so the cache is never stale)."""
        base = os.environ.get("MEDIATYPES_CACHE_DIR") or os.path.join(
            tempfile.gettempdir(), f"mediatypes-cache-{getattr(os, 'getuid', lambda: 0)()}"
        )
        return Path(base) / hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def local_root(self, manifest: Any) -> Path:
        root = self.cache_dir()
        root.mkdir(parents=True, exist_ok=True)
        self._fetch(manifest, root, depth=0)
        return root

    def _fetch(self, manifest: Any, root: Path, depth: int) -> None:
        from .. import _json

        for ref in file_refs(manifest):
            rel = ref["path"]
            target = safe_relpath(root, clean_rel(rel, self.url))
            if not (target.is_file() and target.stat().st_size == ref.get("size")):
                data = self.read_bytes(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data)
            if rel.endswith(".table.json") and depth < 2:  # media cells have files of their own
                with contextlib.suppress(ValueError, OSError):
                    doc = _json.loads(target.read_bytes())
                    cells = [c for row in doc.get("data") or [] for c in row if isinstance(c, dict)]
                    self._fetch(cells, root, depth + 1)


class ObjectStore:
    """Content-addressed media objects: written once, skipped when the object already exists."""

    def __init__(self, put: Any, exists: Any, remove: Any, prefix: str = "media") -> None:
        self._put = put
        self._exists = exists
        self._remove = remove
        self.prefix = prefix
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def _write_once(self, rel: str, data: bytes) -> bool:
        with self._lock:
            if rel in self._known:
                return False
        try:
            present = self._exists(rel)
        except TransportError:  # unknown: the write below retries, or reports and keeps a copy
            present = False
        if present:
            created = False
        else:
            self._put(rel, data)
            created = True
        with self._lock:
            self._known.add(rel)
        return created

    def put(self, key: str, data: bytes, ext: str) -> tuple[FileRef, bool]:
        digest = hashlib.sha256(data).hexdigest()
        rel = f"{self.prefix}/{_name(key, digest, ext)}"
        created = self._write_once(rel, data)
        return {"path": rel, "sha256": digest, "size": len(data)}, created

    def put_file(self, key: str, source: str | os.PathLike[str], ext: str) -> tuple[FileRef, bool]:
        return self.put(key, Path(source).read_bytes(), ext)

    def put_json(self, relname: str, data: bytes) -> str:
        rel = f"{self.prefix}/{sanitize_key(relname)}"
        self._put(rel, data)
        return rel

    def remove(self, relpath: str) -> None:
        with self._lock:
            self._known.discard(relpath)
        self._remove(relpath)


class ObjectStoreTransport(Transport):
    """Writes a run below an fsspec URL as whole objects (see the module docstring).

    ``segment_rows`` / ``segment_seconds``: when a history segment is cut; ``retries`` and
    ``backoff`` (seconds, doubling): per upload; ``cooldown``: seconds between rounds after a
    failure; ``timeout``: upper bound of one storage call; ``spill_dir``: where copies of data
    not stored yet go (default ``$MEDIATYPES_SPILL_DIR`` or ``~/.cache/mediatypes/spill``).

    >>> run = mediatypes.init(transport="s3://bucket/team/run-7")  # doctest: +SKIP
    >>> run = mediatypes.init(transport=ObjectStoreTransport(url, segment_rows=1000))  # doctest: +SKIP
    """

    supports_ranks = True

    def __init__(
        self,
        url: str,
        *,
        storage_options: dict[str, Any] | None = None,
        segment_rows: int = 10_000,
        segment_seconds: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        cooldown: float = 2.0,
        timeout: float = 120.0,
        spill_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.files = RemoteRunFiles(url, storage_options=storage_options, timeout=timeout)
        self.url = self.files.url
        self.dir = None
        self.segment_rows = max(1, int(segment_rows))
        self.segment_seconds = float(segment_seconds)
        self._s3 = self.url.split("://", 1)[0].lower() in ("s3", "s3a")
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.cooldown = float(cooldown)
        self._spill_root = Path(
            spill_dir
            or os.environ.get("MEDIATYPES_SPILL_DIR")
            or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
            / "mediatypes"
            / "spill"
        )
        self._lock = threading.Lock()  # guards the buffers below
        self._io = threading.Lock()  # one upload round at a time
        self._rows = bytearray()
        self._nrows = 0
        self._seq = 0
        self._streams: dict[str, bytearray] = {}
        self._stream_seq: dict[str, int] = {}
        self._cut: tuple[int, int] | None = None  # (rows, bytes) of the segment being stored
        self._stream_cut: dict[str, int] = {}  # the same for each stream: bytes
        # whole objects waiting for upload: bytes, or the path of their spilled copy (media)
        self._pending: dict[str, bytes | Path] = {}
        self._news: list[tuple[str, BaseException]] = []  # media failures not reported yet
        self._uploader: ThreadPoolExecutor | None = None  # media uploads (started on first use)
        self._uploading: set[Future[None]] = set()
        self._upload_slots = threading.Semaphore(UPLOADS)
        self._last_cut = time.monotonic()
        self._retry_at = 0.0
        self._outage = False  # a failure was raised and no round has succeeded since
        self._stored_any = False  # nothing stored yet: a permanent failure means a wrong setup
        self._spilled: dict[str, Path] = {}
        self._store: ObjectStore | None = None
        self._opened = False
        self._closed = False
        self._fresh = False

    # ---- the Transport protocol -------------------------------------------------------------
    def run_files(self) -> RunFiles:
        return self.files

    def exists(self) -> bool:
        return self.files.exists("run.json")

    def _history_prefix(self) -> str:
        return f"history/{self.rank or 0}"

    def open(self, *, resume: bool = False) -> None:
        # Never overwrite a committed segment: continue after the highest one of this rank.
        self._seq = _next_seq(self.files.listing(self._history_prefix()))
        self._opened, self._closed = True, False
        # A new run of one writer holds no media but its own (known in memory): no existence
        # check (a HEAD request, as slow as the PUT) before each upload.
        self._fresh = not resume and self.rank is None

    def media_store(self) -> Store:
        if self._store is None:
            exists = (lambda rel: False) if self._fresh else self.files.exists
            self._store = ObjectStore(self._put_media, exists, self._remove_media)
        return self._store

    def _file_rel(self, name: str) -> str:
        rel = sanitize_key(name)
        return f"files/rank-{self.rank}/{rel}" if self.rank else f"files/{rel}"

    def write_file(self, name: str, data: bytes) -> str:
        rel = self._file_rel(name)
        with self._lock:
            self._pending[rel] = bytes(data)  # uploaded by the background thread's next sync
        return rel

    def append_file(self, name: str, data: bytes) -> None:
        rel = self._file_rel(name)
        with self._lock:
            buf = self._streams.get(rel)
            if buf is None:
                buf = self._streams[rel] = bytearray()
            buf += data

    def append_rows(self, data: bytes) -> None:
        if not self._opened or self._closed:
            raise TransportError(f"{self!r} is not open; call open() first.")
        with self._lock:
            self._rows += data
            self._nrows += data.count(b"\n")
            due = self._nrows >= self.segment_rows
        if due:
            self._push(force=False)

    def set_summary(self, data: bytes) -> None:
        self._replace("summary.json", data)

    def set_meta(self, data: bytes) -> None:
        self._replace("run.json", data)

    def set_rank_state(self, rank: int, data: bytes) -> None:
        self._replace(f"ranks/{rank}.json", data)

    def read(self, name: str) -> bytes | None:
        if name == "history.jsonl":  # this writer's rows (resume replays them)
            rels = [r for r in self.files.listing(self._history_prefix()) if r.endswith(".jsonl")]
            return b"".join(self.files.read_bytes(r) for r in rels)
        return self.files.read(name)

    def sync(self, *, force: bool = False) -> None:
        self._push(force)

    def close(self) -> None:
        if self._closed:
            return
        try:
            self._push(force=True, final=True)
        finally:
            self._closed = True
            if self._uploader is not None:
                self._uploader.shutdown(wait=True)

    # ---- uploads ----------------------------------------------------------------------------
    def _replace(self, rel: str, data: bytes) -> None:
        with self._lock:
            self._pending[rel] = bytes(data)
        self._push(force=False)

    def _push(self, force: bool, final: bool = False) -> None:
        """Upload what is due: history segments, stream segments, then whole objects (so a
        run.json saying "finished" is never stored before the rows it counts). After a failed
        round everything not stored yet is copied below the spill folder; ``final``: the last
        round (finish), whose error says how to complete the run from that copy."""
        with self._io:
            now = time.monotonic()
            errors: list[tuple[str, BaseException]] = []
            ran = force or now >= self._retry_at  # else waiting out a failure: data stays queued
            if force:  # flush()/finish(): every media object logged so far is stored first
                self._wait_uploads()
            if ran:
                due = force or now - self._last_cut >= self.segment_seconds
                self._push_history(due, errors)
                self._push_streams(due, errors)
                if due and not errors:
                    self._last_cut = now
                self._push_pending(errors)
                self._retry_at = time.monotonic() + self.cooldown if errors else 0.0
            with self._lock:
                news, self._news = self._news, []
                if not errors:  # media that failed on an encoder thread and are still queued
                    errors = [(rel, cause) for rel, cause in news if rel in self._pending]
            if not errors:
                if ran:
                    self._outage = False
                return
            failure = self._failure(*errors[0], final=final)  # also refreshes the copy
            # background rounds report an outage once (the user knows already); flush() and
            # finish() always say what they could not store
            if force or not self._outage:
                self._outage = True
                raise failure

    def _push_pending(self, errors: list[tuple[str, BaseException]]) -> None:
        with self._lock:
            pending = list(self._pending.items())
        for rel, item in pending:
            if errors:
                return
            try:
                data = item.read_bytes() if isinstance(item, Path) else item
            except OSError as exc:  # its spilled copy is gone: nothing is left to upload
                errors.append((rel, exc))
            else:
                if not self._try(rel, data, errors):
                    return
            with self._lock:
                if self._pending.get(rel) is item:
                    del self._pending[rel]

    def _push_history(self, due: bool, errors: list[tuple[str, BaseException]]) -> None:
        """Full segments of exactly ``segment_rows`` rows; when ``due``, the rest as well.

        A segment keeps the rows of its first attempt until it is stored: an attempt that timed
        out may still land later, and it must not replace a retry holding more rows."""
        while not errors:
            with self._lock:
                if self._cut is None:
                    if self._nrows >= self.segment_rows:
                        self._cut = (self.segment_rows, _nth_newline(self._rows, self.segment_rows))
                    elif due and self._rows:
                        self._cut = (self._nrows, len(self._rows))
                    else:
                        return
                n, end = self._cut
                data, seq = bytes(self._rows[:end]), self._seq
            self._wait_uploads()  # a stored row never names a media object not stored yet
            if not self._try(f"{self._history_prefix()}/{seq:08d}.jsonl", data, errors):
                return
            with self._lock:
                del self._rows[:end]  # rows appended meanwhile stay for the next segment
                self._nrows -= n
                self._seq = seq + 1
                self._cut = None

    def _push_streams(self, due: bool, errors: list[tuple[str, BaseException]]) -> None:
        """Stream segments (console output, system metrics), cut like history segments."""
        with self._lock:
            for rel, buf in self._streams.items():
                if rel not in self._stream_cut and buf and (due or len(buf) >= STREAM_BYTES):
                    self._stream_cut[rel] = len(buf)
            ready = [
                (rel, bytes(self._streams[rel][:cut])) for rel, cut in self._stream_cut.items()
            ]
        for rel, data in ready:
            if errors:
                return
            seq = self._stream_seq.get(rel)
            if seq is None:
                try:
                    seq = self._stream_seq[rel] = _next_seq(self.files.listing(rel + SEGMENTS))
                except TransportError as exc:
                    errors.append((rel + SEGMENTS, exc.__cause__ or exc))
                    return
            if self._try(f"{rel}{SEGMENTS}/{seq:08d}", data, errors):
                self._stream_seq[rel] = seq + 1
                with self._lock:
                    del self._streams[rel][: len(data)]
                    del self._stream_cut[rel]

    def _try(self, rel: str, data: bytes, errors: list[tuple[str, BaseException]]) -> bool:
        """One upload; a failure is added to ``errors`` (and stops the round)."""
        if errors:  # the store just failed after its retries: leave the rest for the next round
            return False
        cause = self._put(rel, data)
        if cause is not None:
            errors.append((rel, cause))
            return False
        return True

    def _put(self, rel: str, data: bytes) -> BaseException | None:
        """One whole-object write with bounded retries and backoff; returns the last error, or
        None once the object is stored (its spilled copy, if any, is then removed)."""
        last: BaseException | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                self.files.replace(rel, data)
            except TransportError as exc:
                last = exc.__cause__ or exc
                if isinstance(last, _PERMANENT):  # no such bucket, access denied: say so now
                    break
                continue
            self._stored_any = True
            spilled = self._spilled.pop(rel, None)
            if spilled is not None:
                with contextlib.suppress(OSError):
                    spilled.unlink()
            return None
        return last

    def _put_media(self, rel: str, data: bytes) -> None:
        """A media object, from an encoder thread: handed to the upload threads, so the encoder
        goes on with the next value instead of waiting a round trip (at most ``UPLOADS`` in
        flight; beyond that the encoder waits, which bounds memory). Segments wait for the
        uploads before them (``_wait_uploads``)."""
        self._upload_slots.acquire()
        try:
            with self._lock:
                if self._uploader is None:
                    self._uploader = ThreadPoolExecutor(UPLOADS, "mediatypes-upload")
                future = self._uploader.submit(self._upload_media, rel, data)
                self._uploading.add(future)
        except RuntimeError:  # the interpreter is shutting down (a run finished at exit)
            self._upload_slots.release()
            self._upload_media(rel, data)
            return
        future.add_done_callback(self._uploaded)

    def _uploaded(self, future: Future[None]) -> None:
        with self._lock:
            self._uploading.discard(future)
        self._upload_slots.release()

    def _wait_uploads(self) -> None:
        with self._lock:
            running = list(self._uploading)
        if running:
            wait(running)

    def _upload_media(self, rel: str, data: bytes) -> None:
        """If the object cannot be stored, its row keeps the manifest and the object joins the
        queue (read back from its spilled copy, so a long outage does not hold every image in
        memory); the next round retries and reports it."""
        cause = self._put(rel, data)
        if cause is None:
            return
        copy = self._spill(rel, data)
        with self._lock:
            self._pending[rel] = copy or bytes(data)
            self._news.append((rel, cause))
        self._retry_at = max(self._retry_at, time.monotonic() + self.cooldown)

    def _remove_media(self, rel: str) -> None:
        """Undo a media write (a media object whose later file failed): also from the queue."""
        with self._lock:
            self._pending.pop(rel, None)
        copy = self._spilled.pop(rel, None)
        if copy is not None:
            copy.unlink(missing_ok=True)
        self.files.remove(rel)

    def _failure(self, rel: str, cause: BaseException, *, final: bool = False) -> TransportError:
        """The error users see: which object, the store's answer, what happens to the data, and
        where its copy is (everything not stored yet is copied below the spill folder now)."""
        n = self.retries + 1
        tries = "" if isinstance(cause, _PERMANENT) else f" ({n} attempt{'s' * (n > 1)})"
        why = describe_error(cause)
        if isinstance(cause, TimeoutError) and self.files.timeout:
            why = f"no answer within {self.files.timeout:g} s (the transport's `timeout`)"
        text = f"cannot store {self.url}/{rel}: {why}{tries}."
        if isinstance(cause, _PERMANENT):  # no such bucket, access denied: retrying won't help
            where = "`storage_options`" + (
                " or AWS_ENDPOINT_URL / AWS_PROFILE / AWS_ACCESS_KEY_ID" if self._s3 else ""
            )
            text += f" Check the bucket name, the endpoint and the credentials ({where})."
            if not self._stored_any and not final:  # the run's first write: it never started
                error = TransportError(text)
                error.__cause__ = cause
                return error
        spill = self._spill_dir()
        unstored, copied = self._spill_everything()
        if final:
            names = ", ".join(unstored[:3]) + (", …" if len(unstored) > 3 else "")
            text += f" finish(): {len(unstored)} object(s) of the run are not stored ({names})"
            if copied:
                upload = f"aws s3 cp --recursive {shlex.quote(str(spill))} {self.url}"
                text += (
                    f"; their copies are in {spill}, at the same paths as in the run. Upload that "
                    f"folder into {self.url} to complete the run"
                    + (f" (`{upload}`)" if self._s3 else "")
                    + f", or run `mediatypes recover {self.url}` to close it without them."
                )
            else:
                text += (
                    f", and no local copy could be written below {spill}: what is not stored is "
                    "lost when this process exits."
                )
        else:
            if rel.startswith("media/"):
                text += " The row that logged it keeps its manifest."
            text += (
                " Nothing is lost yet: it stays queued in this process and is retried every "
                f"{self.cooldown:g} s until finish(); "
                + (
                    f"meanwhile everything not stored yet is copied to {spill}."
                    if copied
                    else f"no local copy could be written below {spill}."
                )
            )
        error = TransportError(text)
        error.retained = not final  # type: ignore[attr-defined]
        error.__cause__ = cause
        return error

    def _spill_dir(self) -> Path:
        return self._spill_root / sanitize_key(self.url.replace("://", "/"))

    def _spill_everything(self) -> tuple[list[str], bool]:
        """Copy every object, row and stream byte not stored yet below the spill folder; returns
        their paths and whether every copy is there."""
        with self._lock:
            items = list(self._pending.items())
            # as the segments they will be: the one being stored (its rows fixed), then the rest
            history = f"{self._history_prefix()}/{{:08d}}.jsonl"
            end = self._cut[1] if self._cut else len(self._rows)
            for i, part in enumerate((self._rows[:end], self._rows[end:])):
                if part:
                    items.append((history.format(self._seq + i), bytes(part)))
            for rel, buf in self._streams.items():
                seq = self._stream_seq.get(rel, 0)
                end = self._stream_cut.get(rel, len(buf))
                for i, part in enumerate((buf[:end], buf[end:])):
                    if part:
                        items.append((f"{rel}{SEGMENTS}/{seq + i:08d}", bytes(part)))
        copied = [
            item.is_file() if isinstance(item, Path) else self._spill(rel, item) is not None
            for rel, item in items
        ]
        return [rel for rel, _ in items], all(copied)

    def _spill(self, rel: str, data: bytes) -> Path | None:
        """Write a copy of ``rel`` below the spill folder; its path, or None when that failed."""
        target = self._spill_dir() / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
        except OSError:
            return None
        self._spilled[rel] = target
        return target


def _version(info: dict[str, Any]) -> tuple[Any, ...]:
    """What tells two versions of an object apart in a listing: size and ETag (S3, GCS, Azure)
    or modification time (local files)."""
    tag = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified")
    return int(info.get("size") or 0), str(tag)


def _nth_newline(buf: bytearray, n: int) -> int:
    """The length of the first ``n`` lines of ``buf`` (it holds at least ``n``)."""
    pos = -1
    for _ in range(n):
        pos = buf.index(b"\n", pos + 1)
    return pos + 1


def _next_seq(rels: list[str]) -> int:
    seqs = [int(stem) for r in rels if (stem := r.rsplit("/", 1)[-1].split(".")[0]).isdigit()]
    return max(seqs) + 1 if seqs else 0


def from_url(rest: str, context: Any) -> ObjectStoreTransport:
    """``"<scheme>://bucket/prefix/run"`` → that run on object storage (the URL names the run)."""
    scheme = getattr(context, "scheme", "") or "s3"
    if not rest.startswith("//") or len(rest) <= 2:
        raise InvalidInputError(
            f"init: `transport` expects a URL such as '{scheme}://bucket/prefix/run'; got "
            f"{scheme + ':' + rest!r}."
        )
    if getattr(context, "dir_given", False):
        raise InvalidInputError(
            f"init: pass either `dir` or `transport='{scheme}://...'`, not both (the URL names "
            "the run)."
        )
    return ObjectStoreTransport(
        f"{scheme}:{rest}", storage_options=getattr(context, "storage_options", None)
    )
