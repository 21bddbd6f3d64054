"""History rows and the step / commit rules of ``log`` (SPEC §5), plus the older history API.

Rules, exactly:

* ``log(d)`` merges ``d`` into the open row and commits it as the current step; the step advances.
* ``log(d, commit=False)`` (alias ``complete=False``) only merges; a later commit writes the row.
* ``log(d, step=n)``: ``n`` equal to the current step merges; a larger ``n`` first commits the open
  row, then opens step ``n``. The row stays open (``commit=True`` commits it at once).
  A smaller ``n`` is never silently lost: by policy ``"keep"`` (default; one warning) it is written
  as its own row with ``_step = n``, ``"drop"`` discards it with a warning, ``"raise"`` raises.
* Committing an empty row writes nothing and does not advance the step.
* Nested dicts become ``a/b`` keys. Keys must be strings; the caller's dict is never mutated.
  Bad metric names, names equal up to case, and a key changing its kind of value (number, str,
  bool, a media type) each warn once.
* Values: numbers, str, bool and None inline (numpy / 0-d tensor scalars unwrapped, NaN and ±Inf
  kept as ``{"_nonfinite": "NaN"}``); media (anything with ``to_manifest``), lists of media of one
  type and foreign objects the registry adapts (DataFrame, figures) are encoded in the background.
  Arrays are refused with a hint at ``Histogram`` / ``Table``.

Every committed row carries ``_step``, ``_timestamp`` (Unix seconds) and ``_runtime`` (seconds since
the run started).
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import orjson

from ..errors import InvalidInputError, InvalidTypeError, RunError, describe
from .metrics import MetricRegistry

__all__ = [
    "LATE_POLICIES",
    "RESERVED",
    "History",
    "PendingMedia",
    "RowView",
    "RunWarning",
    "decode_value",
    "dumps_row",
    "encode_nonfinite",
    "media_kind",
    "value_kind",
]

RESERVED = ("_step", "_timestamp", "_runtime", "_rank")
LATE_POLICIES = ("keep", "drop", "raise")
NAME_RE = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9/]*$")

_NUMBER, _STR, _BOOL = "number", "str", "bool"
_FAST_KIND: dict[type, str] = {float: _NUMBER, int: _NUMBER, str: _STR, bool: _BOOL}
_OPT_ROW = orjson.OPT_APPEND_NEWLINE
_dumps = orjson.dumps


class RunWarning(UserWarning):
    """Something about logged data the user should know; the data is still kept."""


def _nonfinite(v: float) -> dict[str, str]:
    return {"_nonfinite": "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")}


_DECODE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_nonfinite(obj: Any) -> Any:
    """Replace NaN/±Inf floats (anywhere in dicts/lists) by ``{"_nonfinite": ...}`` (JSON has
    none) and integers beyond 64 bits by their decimal string."""
    if type(obj) is float:
        return obj if obj - obj == 0.0 else _nonfinite(obj)
    if type(obj) is int and not -(2**63) <= obj < 2**64:
        return str(obj)  # JSON readers lose exactness beyond 64 bits; keep the digits
    if isinstance(obj, dict):
        return {k: encode_nonfinite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [encode_nonfinite(v) for v in obj]
    return obj


def decode_value(v: Any) -> Any:
    """Inverse of :func:`encode_nonfinite` for one value read back from JSON."""
    if type(v) is dict:
        if len(v) == 1 and "_nonfinite" in v:
            return _DECODE.get(v["_nonfinite"], math.nan)
        return {k: decode_value(x) for k, x in v.items()}
    if type(v) is list:
        return [decode_value(x) for x in v]
    return v


def dumps_row(row: dict[str, Any]) -> bytes:
    """One JSON line (ending in ``\\n``) for a committed row of plain values."""
    try:
        return _dumps(row, option=_OPT_ROW)
    except orjson.JSONEncodeError:
        # Ints beyond 64 bits (rare): keep them exactly, as strings, rather than fail the log().
        fixed = {k: encode_nonfinite(v) if type(v) is int else v for k, v in row.items()}
        warnings.warn(
            "log: integers beyond 64 bits were written as strings to keep their exact value.",
            RunWarning,
            stacklevel=4,
        )
        return _dumps(fixed, option=_OPT_ROW)


class PendingMedia:
    """A media value in a committed row whose manifest is being written in the background."""

    __slots__ = ("error", "future", "kind", "manifest", "value")

    def __init__(self, value: Any, kind: str) -> None:
        self.value = value  # a Loggable, or a list of Loggables of one type
        self.kind = kind
        self.future: Any = None
        self.manifest: dict[str, Any] | None = None
        self.error: BaseException | None = None

    def result(self, wait: bool = True) -> dict[str, Any] | None:
        """The manifest once written (waits when ``wait``); None if it failed or is not ready."""
        if self.manifest is None and self.error is None and self.future is not None:
            if not wait and not self.future.done():
                return None
            try:
                self.manifest = self.future.result()
            except BaseException as exc:  # surfaced by the run at the next log()/finish()
                self.error = exc
        return self.manifest

    def __repr__(self) -> str:
        state = "done" if self.manifest is not None else "pending"
        return f"<PendingMedia {self.kind} {state}>"


def _is_media(v: Any) -> bool:
    return hasattr(v, "to_manifest") and not isinstance(v, type)


class History:
    """The open row, the step counter and the commit rules. ``emit(row, media_keys)`` receives
    every committed row (with ``_step``, ``_timestamp``, ``_runtime``) in commit order."""

    def __init__(
        self,
        *,
        lock: threading.Lock,
        emit: Callable[[dict[str, Any], list[str]], None],
        metrics: MetricRegistry,
        start_time: float,
        late_policy: str = "keep",
        step: int = 0,
        kinds: dict[str, str] | None = None,
    ) -> None:
        if late_policy not in LATE_POLICIES:
            raise InvalidInputError(
                f"init: `late_step_policy` expects one of {', '.join(LATE_POLICIES)}; got {late_policy!r}."
            )
        self._lock = lock
        self._emit = emit
        self._metrics = metrics
        self._start = start_time
        self.late_policy = late_policy
        self._open: dict[str, Any] = {}
        self._open_media: list[str] = []
        self._step = step
        canon = {_NUMBER: _NUMBER, _STR: _STR, _BOOL: _BOOL}
        self._kinds: dict[str, str] = {k: canon.get(v, v) for k, v in (kinds or {}).items()}
        self._lower: dict[str, str] = {k.lower(): k for k in self._kinds}
        self._warned: set[tuple[str, str]] = set()
        self._last_step_values: dict[str, Any] = {}
        self.compute = True
        self._in_step = False
        self.late_rows = 0
        self.closed = False  # set under the lock by finish(): no row may slip in after it
        self._open_ts: float | None = None  # a wall time given to log(timestamp=...)

    # ---- the log() entry point -------------------------------------------------------------
    def log(
        self, data: Any, step: Any = None, commit: bool | None = None, *, timestamp: Any = None
    ) -> None:
        """``Run.log``. ``timestamp`` (Unix seconds) replaces the wall time of the row this call
        writes to (importers keep another tool's wall times; ``_runtime`` follows it)."""
        ts = None if timestamp is None else _check_timestamp(timestamp)
        if type(data) is not dict:
            if not isinstance(data, Mapping):
                raise InvalidTypeError(
                    f"log: `data` expects a dict of metric names to values; got {describe(data)}."
                )
            data = dict(data)
        with self._lock:
            if self.closed:
                raise RunError("log: the run is finished; start a new one with init().")
            if step is None:
                self._put_all(self._open, self._open_media, data)
                if ts is not None:
                    self._open_ts = ts
                if commit is None or commit:
                    self._commit()
                return
            n = _check_step(step)
            cur = self._step
            if n < cur:
                self._late(n, data, ts)
                return
            if n > cur:
                self._commit()
                self._step = n
            self._put_all(self._open, self._open_media, data)
            if ts is not None:
                self._open_ts = ts
            if commit:
                self._commit()

    def _put_all(self, row: dict[str, Any], media: list[str], data: dict[Any, Any]) -> None:
        kinds = self._kinds
        fast = _FAST_KIND
        for k, v in data.items():
            t = type(v)
            kind = fast.get(t)
            if kind is not None and kinds.get(k) is kind and (t is not float or v - v == 0.0):
                row[k] = v
            else:
                self._put(row, media, k, v)

    def _put(self, row: dict[str, Any], media: list[str], key: Any, v: Any) -> None:
        """The slow path: new keys, nested dicts, non-finite floats, numpy scalars, media."""
        if type(key) is not str:
            if not isinstance(key, str):
                raise InvalidTypeError(
                    f"log: metric names must be str; got key {key!r} of type {type(key).__name__}."
                )
            key = str(key)
        if isinstance(v, Mapping) and not _is_media(v):
            if not v:
                return
            for k2, v2 in v.items():
                if not isinstance(k2, str):
                    raise InvalidTypeError(
                        f"log: metric names must be str; got key {k2!r} of type "
                        f"{type(k2).__name__} inside `{key}`."
                    )
                self._put(row, media, f"{key}/{k2}", v2)
            return
        value, kind = self._coerce(key, v)
        self._check_key(key, kind)
        row[key] = value
        if type(value) is PendingMedia:
            media.append(key)

    def _coerce(self, key: str, v: Any) -> tuple[Any, str]:
        if v is None:
            return None, "none"
        if isinstance(v, bool):
            return bool(v), _BOOL
        if isinstance(v, int):
            return int(v), _NUMBER
        if isinstance(v, float):
            v = float(v)
            return (v if v - v == 0.0 else _nonfinite(v)), _NUMBER
        if isinstance(v, str):
            return str(v), _STR
        if _is_media(v):
            kind = media_kind(v)
            return PendingMedia(v, kind), kind
        if isinstance(v, (list, tuple)):
            return self._coerce_list(key, v)
        shape = getattr(v, "shape", None)
        array_like = shape is not None and hasattr(v, "dtype")
        if array_like and tuple(shape or ()) == () and hasattr(v, "item"):
            return self._coerce(key, v.item())  # numpy scalars, 0-d arrays and tensors
        adapted = _adapt(v)
        if adapted is not None:
            kind = media_kind(adapted)
            return PendingMedia(adapted, kind), kind
        if array_like:
            raise InvalidTypeError(
                f"log: `{key}` got {describe(v)}; arrays are never logged as plain values. "
                f"Wrap it: mediatypes.Histogram(x) for a distribution, mediatypes.Table(...) for "
                f"rows, or log a scalar such as float(x.mean())."
            )
        raise InvalidTypeError(
            f"log: `{key}` got {describe(v)}; expected a number, str, bool, None, a media object "
            f"(mediatypes.Image, Table, …), a list of media of one type, or a dict of those."
        )

    def _coerce_list(self, key: str, v: list[Any] | tuple[Any, ...]) -> tuple[Any, str]:
        if not v:
            raise InvalidInputError(f"log: `{key}` got an empty list; log a list of media objects.")
        items = [x if _is_media(x) else _adapt(x) for x in v]
        if any(x is None for x in items):
            raise InvalidTypeError(
                f"log: `{key}` got a {type(v).__name__} of {describe(v[0])}, …; lists may only hold "
                f"media objects of one type. For numbers use mediatypes.Histogram(values) or "
                f"mediatypes.Table(...)."
            )
        kinds = sorted({media_kind(x) for x in items})
        if len(kinds) != 1:
            raise InvalidTypeError(
                f"log: `{key}` expects a list of media objects of one type; got {', '.join(kinds)}. "
                f"Log each type under its own key."
            )
        return PendingMedia(items, f"list[{kinds[0]}]"), f"list[{kinds[0]}]"

    def _check_key(self, key: str, kind: str) -> None:
        known = self._kinds.get(key)
        if known is None:
            if key in RESERVED:
                raise InvalidInputError(
                    f"log: `{key}` is reserved for the row's own {key[1:]}; use another name "
                    f"(for a custom x-axis, define_metric('x', step_metric='my_step'))."
                )
            if not NAME_RE.match(key):
                warnings.warn(
                    f"log: metric name {key!r} does not match ^[_a-zA-Z][_a-zA-Z0-9/]*$; it is "
                    f"kept, but other tools may not sort, query or display it correctly.",
                    RunWarning,
                    stacklevel=6,
                )
            low = key.lower()
            other = self._lower.get(low)
            if other is not None and other != key:
                warnings.warn(
                    f"log: metric names {other!r} and {key!r} differ only by case; tools that "
                    f"ignore case will merge them.",
                    RunWarning,
                    stacklevel=6,
                )
            else:
                self._lower[low] = key
            if kind != "none":
                self._kinds[key] = kind
        elif kind != known and kind != "none":
            if (key, "type") not in self._warned:
                self._warned.add((key, "type"))
                warnings.warn(
                    f"log: `{key}` changed its kind of value from {known} to {kind}; both are kept, "
                    f"but charts and summaries of this key may be inconsistent.",
                    RunWarning,
                    stacklevel=6,
                )
            self._kinds[key] = kind

    def _late(self, n: int, data: dict[str, Any], ts: float | None = None) -> None:
        policy = self.late_policy
        if policy == "raise":
            raise RunError(
                f"log: `step` {n} is smaller than the current step {self._step}; steps only go "
                f"forward (late_step_policy='raise'). Use define_metric(step_metric=...) for a "
                f"custom x-axis."
            )
        if ("", "late") not in self._warned:
            self._warned.add(("", "late"))
            what = "written as its own row" if policy == "keep" else "DROPPED"
            warnings.warn(
                f"log: `step` {n} is smaller than the current step {self._step}; the data is "
                f"{what} (late_step_policy={policy!r}; warned once per run).",
                RunWarning,
                stacklevel=4,
            )
        if policy == "drop":
            return
        row: dict[str, Any] = {}
        media: list[str] = []
        self._put_all(row, media, data)
        if row:
            self.late_rows += 1
            self._finish_row(row, media, n, ts)

    def _commit(self) -> None:
        row = self._open
        if not row:
            return
        media = self._open_media
        step = self._step
        self._step = step + 1
        ts = self._open_ts
        if ts is not None:
            self._open_ts = None
        if media or self._metrics.any_step_sync:
            self._open_media = []
            self._open = {}
            self._finish_row(row, media, step, ts)
            return
        # the common case, inlined (log() is on the training loop's hot path)
        self._open = {}
        now = time.time() if ts is None else ts
        row["_step"] = step
        row["_timestamp"] = now
        row["_runtime"] = now - self._start
        self._emit(row, media)

    def _finish_row(
        self, row: dict[str, Any], media: list[str], step: int, ts: float | None = None
    ) -> None:
        now = time.time() if ts is None else ts
        row["_step"] = step
        row["_timestamp"] = now
        row["_runtime"] = now - self._start
        metrics = self._metrics
        if metrics.any_step_sync:
            self._sync_steps(row)
        if media:
            media = [k for k in dict.fromkeys(media) if type(row.get(k)) is PendingMedia]
        self._emit(row, media)

    def _sync_steps(self, row: dict[str, Any]) -> None:
        last = self._last_step_values
        resolve = self._metrics.resolve
        extra: dict[str, Any] = {}
        for k in row:
            spec = resolve(k)
            if spec is None or spec.step_metric is None or not spec.step_sync:
                continue
            sm = spec.step_metric
            if sm != k and sm not in row and sm in last:
                extra[sm] = last[sm]
        row.update(extra)
        for spec in self._metrics.specs():
            metric = spec.step_metric
            if metric is not None and metric in row:
                last[metric] = row[metric]

    # ---- state ----------------------------------------------------------------------------
    @property
    def current_step(self) -> int:
        """The step the next committed row gets."""
        return self._step

    def commit(self, *, close: bool = False) -> None:
        """Commit the open row; ``close`` also refuses every later ``log`` (used by finish)."""
        with self._lock:
            self._commit()
            if close:
                self.closed = True

    # ---- the older history API --------------------------------------------------------------
    @property
    def row(self) -> RowView:
        """The open row as a mutable mapping; values set here are validated like ``log`` values."""
        return RowView(self)

    def add(self, row: Mapping[str, Any] | None = None) -> None:
        """Merge ``row`` into the open row and commit it (inside ``step()``: commit at its end)."""
        data = dict(row) if row else {}
        if self._in_step:
            self.log(data, commit=False)
        else:
            self.log(data, commit=True)

    @contextlib.contextmanager
    def step(self, compute: bool = True) -> Iterator[History]:
        """Build one row in a block and commit it at the end when ``compute`` is true.

        ``history.compute`` tells code inside the block whether expensive values are wanted; a
        block with ``compute`` false keeps its values in the open row for the next commit.
        """
        if self._in_step:
            raise RunError("history.step(): nested step blocks are not supported.")
        self._in_step = True
        self.compute = bool(compute)
        try:
            yield self
        except BaseException:
            self._in_step = False
            self.compute = True
            raise
        self._in_step = False
        committing = self.compute
        self.compute = True
        if committing:
            self.commit()


class RowView(MutableMapping[str, Any]):
    """Live view of the open row (older API: ``run.history.row``)."""

    def __init__(self, history: History) -> None:
        self._h = history

    def __getitem__(self, key: str) -> Any:
        v = self._h._open[key]
        if type(v) is PendingMedia:
            return v.value
        return decode_value(v)

    def __setitem__(self, key: str, value: Any) -> None:
        self._h.log({key: value}, commit=False)

    def __delitem__(self, key: str) -> None:
        with self._h._lock:
            del self._h._open[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._h._open))

    def __len__(self) -> int:
        return len(self._h._open)

    def update(self, *args: Any, **kwargs: Any) -> None:
        data = dict(*args, **kwargs)
        self._h.log(data, commit=False)

    def __repr__(self) -> str:
        return f"RowView({dict(self)!r})"


def _check_timestamp(ts: Any) -> float:
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
        raise InvalidTypeError(
            f"log: `timestamp` expects Unix seconds as a finite number; got {describe(ts)}."
        )
    return float(ts)


def _check_step(step: Any) -> int:
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        raise InvalidTypeError(f"log: `step` expects a non-negative int; got {describe(step)}.")
    n = int(step.__index__())
    if n < 0:
        raise InvalidInputError(f"log: `step` expects a non-negative int; got {n}.")
    return n


def media_kind(value: Any) -> str:
    """The kind of a media value: its manifest ``_type`` when the class declares one."""
    return getattr(type(value), "_type", "") or type(value).__name__


def value_kind(v: Any) -> str | None:
    """The kind of a value read back from history (inverse of what ``log`` records)."""
    t = type(v)
    if t is bool:
        return _BOOL
    if t is int or t is float:
        return _NUMBER
    if t is str:
        return _STR
    if t is dict:
        if "_nonfinite" in v:
            return _NUMBER
        if v.get("_type") == "media-list":
            return f"list[{v.get('item_type')}]"
        return str(v.get("_type"))
    return None


def _adapt(value: Any) -> Any:
    from .. import _registry

    return _registry.adapt(value)
