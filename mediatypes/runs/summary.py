"""The run summary: one value per key.

* By default the value of a key is the last value logged for it.
* ``summary[k] = v`` / ``summary.update({...})`` set a value explicitly; an explicit value wins
  over anything logged later (until ``del summary[k]``).
* ``define_metric(k, summary="min,max,…")`` makes the value a dict of those aggregates
  (``min``, ``max``, ``mean``, ``first``, ``last``, ``best`` with a ``goal``); ``"none"`` keeps the
  key out. NaN (and None) are skipped by ``min``/``max``/``mean``/``best``; if every value was NaN
  they are NaN. ``first``/``last`` keep values as logged. Non-numbers only have ``first``/``last``.
* Nested access: ``summary["val"]`` is ``{"loss": …}`` when only ``val/loss`` exists; setting a dict
  stores flat ``a/b`` keys.
* Arrays and tensors keep the full tensor in a ``.npy`` file (via the media store) with ``shape``,
  ``dtype``, ``min``, ``max``, ``mean``, ``std`` and percentiles inline. Media objects are written
  and stored as their manifests.

State is O(number of keys): the history itself is never kept in memory.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from ..core.store import Store
from ..errors import InvalidTypeError, RunError, describe
from .history import PendingMedia, decode_value
from .metrics import MetricRegistry

__all__ = ["Summary", "nest", "tensor_summary"]

_NUM = (int, float)


class _Agg:
    """Running aggregates of one key (numbers only for min/max/mean/best)."""

    __slots__ = ("count", "first", "has_first", "last", "max", "min", "nan", "sum")

    def __init__(self) -> None:
        self.has_first = False
        self.first: Any = None
        self.last: Any = None
        self.min = math.inf
        self.max = -math.inf
        self.sum = 0.0
        self.count = 0
        self.nan = 0

    def add(self, v: Any) -> None:
        if not self.has_first:
            self.has_first, self.first = True, v
        self.last = v
        if type(v) is dict and "_nonfinite" in v:
            v = decode_value(v)
        if isinstance(v, _NUM) and not isinstance(v, bool):
            if v != v:
                self.nan += 1
                return
            self.count += 1
            self.sum += v
            if v < self.min:
                self.min = v
            if v > self.max:
                self.max = v

    def view(self, aggs: tuple[str, ...], goal: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for a in aggs:
            if a == "first":
                if self.has_first:
                    out["first"] = _resolve(self.first)
            elif a == "last":
                if self.has_first:
                    out["last"] = _resolve(self.last)
            elif self.count or self.nan:
                if not self.count:
                    out[a] = math.nan
                elif a == "min":
                    out["min"] = self.min
                elif a == "max":
                    out["max"] = self.max
                elif a == "mean":
                    out["mean"] = self.sum / self.count
                elif a == "best":
                    out["best"] = self.min if goal == "minimize" else self.max
        return out


def _resolve(v: Any, wait: bool = True) -> Any:
    if type(v) is PendingMedia:
        return v.result(wait)
    if type(v) is dict and "_nonfinite" in v:
        return decode_value(v)
    return v


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a/b": 1, "a/c": 2}`` → ``{"a": {"b": 1, "c": 2}}`` (a key that is both wins as a leaf)."""
    out: dict[str, Any] = {}
    for key in sorted(flat, key=lambda k: k.count("/"), reverse=True):
        node = out
        parts = key.split("/")
        for p in parts[:-1]:
            child = node.get(p)
            if not isinstance(child, dict):
                child = node[p] = {}
            node = child
        node[parts[-1]] = flat[key]
    return out


def tensor_summary(value: Any, store: Store, key: str) -> dict[str, Any]:
    """Write an array/tensor as ``.npy`` through ``store``; return its inline statistics."""
    import numpy as np

    from ..core.arrays import to_numpy

    arr = to_numpy(value, f"summary[{key!r}]", "Summary")
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    ref, _ = store.put(f"summary/{key}", buf.getvalue(), "npy")
    out: dict[str, Any] = {"_tensor": dict(ref), "shape": list(arr.shape), "dtype": str(arr.dtype)}
    if arr.size and (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        data = arr.astype(np.float64, copy=False).ravel()
        finite = data[np.isfinite(data)]
        out["nan_count"] = int(np.isnan(data).sum())
        if finite.size:
            pct = np.percentile(finite, [5, 25, 50, 75, 95])
            out.update(
                min=float(finite.min()),
                max=float(finite.max()),
                mean=float(finite.mean()),
                std=float(finite.std()),
                percentiles={
                    str(p): float(x) for p, x in zip((5, 25, 50, 75, 95), pct, strict=True)
                },
            )
    return out


class Summary(MutableMapping[str, Any]):
    """The summary of a run. Reads give plain values (manifests for media)."""

    def __init__(
        self,
        metrics: MetricRegistry,
        *,
        store: Callable[[], Store] | None = None,
        lock: threading.Lock | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._metrics = metrics
        self._store = store
        self._lock = lock or threading.Lock()
        self._on_change = on_change
        self._last: dict[str, Any] = {}
        self._aggs: dict[str, _Agg] = {}
        self._explicit: dict[str, Any] = {}
        self._removed: set[str] = set()
        self.dirty = False

    # ---- fed by history (under the run lock) ------------------------------------------------
    def observe(self, row: dict[str, Any]) -> None:
        """Account for one committed row."""
        self._last.update(row)
        self.dirty = True
        if self._removed:
            self._removed.difference_update(row)
        if self._metrics.any_summary:
            resolve = self._metrics.resolve
            aggs = self._aggs
            for k, v in row.items():
                spec = resolve(k)
                if spec is not None and spec.summary is not None:
                    agg = aggs.get(k)
                    if agg is None:
                        agg = aggs[k] = _Agg()
                    agg.add(v)

    # ---- mapping ----------------------------------------------------------------------------
    def _value(self, key: str, wait: bool = True) -> Any:
        if key in self._explicit:
            return self._explicit[key]
        if key in self._removed or key not in self._last:
            raise KeyError(key)
        spec = self._metrics.resolve(key) if self._metrics.any_summary else None
        if spec is not None and spec.summary is not None:
            agg = self._aggs.get(key)
            if spec.summary == ("none",):
                raise KeyError(key)
            if agg is not None:
                return agg.view(spec.summary, spec.goal)
            # defined after its last log: the last value stands until the next one is logged
        v = _resolve(self._last[key], wait)
        if v is None and type(self._last[key]) is PendingMedia:
            raise KeyError(key)
        return v

    def _keys(self) -> list[str]:
        keys = [k for k in self._last if k not in self._removed]
        keys.extend(k for k in self._explicit if k not in self._last or k in self._removed)
        return keys

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        try:
            return self._value(key)
        except KeyError:
            prefix = key + "/"
            children = self._flat(prefix=prefix)
            if not children:
                raise
            return nest({k[len(prefix) :]: v for k, v in children.items()})

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise InvalidTypeError(
                f"summary: keys must be str; got {key!r} of type {type(key).__name__}."
            )
        if isinstance(value, Mapping) and not hasattr(value, "to_manifest"):
            for k2, v2 in value.items():
                self[f"{key}/{k2}"] = v2
            return
        stored = self._coerce(key, value)
        with self._lock:
            self._explicit[key] = stored
            self.dirty = True
        if self._on_change is not None:
            self._on_change()

    def __delitem__(self, key: str) -> None:
        with self._lock:
            found = key in self._explicit or (key in self._last and key not in self._removed)
            self._explicit.pop(key, None)
            if key in self._last:
                self._removed.add(key)
            self.dirty = True
        if not found:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat())

    def __len__(self) -> int:
        return len(self._flat())

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several values explicitly; ``update()`` with nothing just schedules a write."""
        for k, v in dict(*args, **kwargs).items():
            self[k] = v
        self.dirty = True

    def _flat(self, prefix: str = "", wait: bool = True) -> dict[str, Any]:
        with self._lock:
            keys = [k for k in self._keys() if k.startswith(prefix)]
        out: dict[str, Any] = {}
        for k in keys:
            try:
                out[k] = self._value(k, wait)
            except KeyError:
                continue
        return out

    def to_dict(self, *, nested: bool = False, wait: bool = True) -> dict[str, Any]:
        """A plain dict of the summary (flat ``a/b`` keys unless ``nested``)."""
        flat = self._flat(wait=wait)
        return nest(flat) if nested else flat

    def explicit_keys(self) -> list[str]:
        return sorted(self._explicit)

    def __repr__(self) -> str:
        return f"Summary({self.to_dict(wait=False)!r})"

    # ---- explicit values --------------------------------------------------------------------
    def _coerce(self, key: str, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value if type(value) in (bool, str, type(None)) else _plain(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if hasattr(value, "to_manifest") and not isinstance(value, type):
            return value.to_manifest(self._need_store(key), f"summary/{key}")
        shape = getattr(value, "shape", None)
        if shape is not None and hasattr(value, "dtype"):
            if tuple(shape) == () and hasattr(value, "item"):
                return self._coerce(key, value.item())
            return tensor_summary(value, self._need_store(key), key)
        if isinstance(value, (list, tuple)):
            if value and all(hasattr(v, "to_manifest") for v in value):
                from ..core.media import list_manifest

                return list_manifest(list(value), self._need_store(key), f"summary/{key}")
            if all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
                return [_plain(v) for v in value]
        from .. import _registry

        adapted = _registry.adapt(value)
        if adapted is not None:
            return adapted.to_manifest(self._need_store(key), f"summary/{key}")
        raise InvalidTypeError(
            f"summary: `{key}` got {describe(value)}; expected a number, str, bool, None, an "
            f"array or tensor, a media object, a list of those, or a dict of those."
        )

    def _need_store(self, key: str) -> Store:
        if self._store is None:
            raise RunError(f"summary: cannot store `{key}`: this summary has no run to write to.")
        return self._store()

    # ---- rebuilding (resume, recover) ------------------------------------------------------
    def restore_explicit(self, values: Mapping[str, Any]) -> None:
        for k, v in values.items():
            self._explicit[k] = v


def _plain(v: Any) -> Any:
    if v is None or type(v) in (bool, int, float, str):
        return v
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return str(v)
