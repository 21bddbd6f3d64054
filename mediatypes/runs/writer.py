"""The background half of a run: a bounded media-encoding pool and an ordered row flusher.

``log()`` only builds a row: a scalar row is serialized on the caller's thread (orjson,
~0.3 µs) and appended to the open byte chunk at the tail of the queue (copying it there frees
orjson's ~4 KB output buffer at once, so queued rows cost only their bytes); a row with media is
queued as it is while its media are encoded by a small thread pool (Pillow and zlib release the
GIL). A flusher thread wakes every
``interval`` seconds (default 25 ms: half of the 100 ms promise is left for scheduling delays
on a busy machine), takes rows from the front of the queue *in commit order*,
stopping at the first row whose media are not encoded yet, and appends them with one write. So
committed rows reach the OS within about ``interval`` (plus encoding time for media rows), lines
never interleave, and a failed encode is recorded and raised by the run at the next ``log()``.
At most ``max_pending`` media values are in flight; beyond that ``log()`` waits (bounded memory).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import orjson

from ..core.media import list_manifest
from ..core.store import Store
from ..transports.base import Transport
from .history import PendingMedia, dumps_row

_dumps = orjson.dumps
_OPT_ROW = orjson.OPT_APPEND_NEWLINE

__all__ = ["Writer"]


class _PendingRow:
    __slots__ = ("keys", "row")

    def __init__(self, row: dict[str, Any], keys: list[str]) -> None:
        self.row = row
        self.keys = keys

    def ready(self) -> bool:
        row = self.row
        return all(row[k].future is None or row[k].future.done() for k in self.keys)

    def line(self) -> bytes:
        row = self.row
        for k in self.keys:
            manifest = row[k].result()
            if manifest is None:
                del row[k]  # the failure is raised by the run; the row's other values are kept
            else:
                row[k] = manifest
        return dumps_row(row)


class Writer:
    """Owns the row queue, the encoding pool and the flusher thread of one run."""

    def __init__(
        self,
        transport: Transport,
        *,
        lock: threading.Lock,
        workers: int = 2,
        max_pending: int = 256,
        interval: float = 0.025,
        on_tick: Callable[[], None] | None = None,
        before_rows: Callable[[], None] | None = None,
    ) -> None:
        self.transport = transport
        self._lock = lock
        self.interval = interval
        self.errors: deque[tuple[str, int, BaseException]] = deque()
        self._queue: deque[Any] = deque()
        self._workers = max(1, int(workers))
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.Semaphore(max(1, int(max_pending)))
        self._store: Store | None = None
        self._wake = threading.Event()
        self._closing = False
        self._drain_lock = threading.Lock()
        self._on_tick = on_tick
        self._before_rows = before_rows
        self._thread = threading.Thread(target=self._loop, name="mediatypes-writer", daemon=True)
        self._thread.start()

    # ---- called by the run, under its lock --------------------------------------------------
    def put_line(self, row: dict[str, Any]) -> None:
        """Queue a scalar row (called under the run lock, which the flusher also takes)."""
        q = self._queue
        try:
            line = _dumps(row, option=_OPT_ROW)
        except TypeError:
            line = dumps_row(row)  # ints beyond 64 bits: the slow path keeps their digits
        if q and type(q[-1]) is bytearray:
            q[-1] += line
        else:
            q.append(bytearray(line))

    def put_row(self, row: dict[str, Any], media_keys: list[str]) -> None:
        step = row.get("_step", -1)
        for key in media_keys:
            self._submit(row[key], key, step)
        self._queue.append(_PendingRow(row, media_keys))

    def _submit(self, pm: PendingMedia, key: str, step: int) -> None:
        if self._store is None:
            self._store = self.transport.media_store()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="mediatypes-encode")
        self._slots.acquire()
        try:
            pm.future = self._pool.submit(self._encode, pm, key, step)
        except RuntimeError:  # interpreter shutting down: encode right here instead
            fut: Future[Any] = Future()
            try:
                fut.set_result(self._encode(pm, key, step))
            except BaseException as exc:
                fut.set_exception(exc)
            pm.future = fut

    def _encode(self, pm: PendingMedia, key: str, step: int) -> dict[str, Any]:
        try:
            value = pm.value
            assert self._store is not None
            if isinstance(value, list):
                manifest = list_manifest(value, self._store, key)
            else:
                manifest = value.to_manifest(self._store, key)
            pm.manifest = manifest
            pm.value = None  # free the pixels: only the manifest is needed from now on
            return manifest
        except BaseException as exc:
            pm.error = exc
            self.errors.append((key, step, exc))
            raise
        finally:
            self._slots.release()

    # ---- flushing ---------------------------------------------------------------------------
    def drain(self) -> None:
        """Write every row at the front of the queue whose media are done, in order."""
        with self._drain_lock:
            q = self._queue
            taken: list[Any] = []
            with self._lock:  # the caller extends the tail chunk under this lock
                while q:
                    item = q[0]
                    if type(item) is bytearray or item.ready():
                        taken.append(q.popleft())
                    else:
                        break
            if taken:
                data = b"".join(x if type(x) is bytearray else x.line() for x in taken)
                if self._before_rows is not None:  # e.g. run.json before the rows it explains
                    try:
                        self._before_rows()
                    except BaseException as exc:  # reported; the rows still go out
                        self.errors.append(("", -1, exc))
                try:
                    self.transport.append_rows(data)
                except BaseException as exc:
                    if not getattr(exc, "retained", False):  # else the transport kept them
                        with self._lock:
                            q.appendleft(bytearray(data))  # keep the rows, in order; retry later
                    self.errors.append(("", -1, exc))

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._closing:
                return
            try:
                self.drain()
                if self._on_tick is not None:
                    self._on_tick()
            except BaseException as exc:  # never let the flusher die silently
                self.errors.append(("", -1, exc))

    def flush(self) -> None:
        """Wait for pending media, then write every queued row now."""
        for item in list(self._queue):
            if type(item) is _PendingRow:
                for k in item.keys:
                    item.row[k].result()
        self.drain()

    def close(self) -> None:
        """Finish every encode, stop the flusher and write everything that is left."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._closing = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.flush()

    @property
    def pending(self) -> int:
        return len(self._queue)
