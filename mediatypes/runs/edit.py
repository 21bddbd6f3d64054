"""Editing the summary of a run that is no longer running (finished, failed or crashed).

>>> r = mediatypes.open_run("runs/<id>")               # doctest: +SKIP
>>> r.summary["tensor"] = np.random.random(1000)       # doctest: +SKIP
>>> r.summary.update()                                 # doctest: +SKIP

* Every change is written at once (``summary[k] = v``, ``del summary[k]``, ``update({...})`` as
  one write); ``update()`` without arguments has nothing left to write and is kept for the seeds'
  example. Nothing waits in memory to be lost.
* Values are converted exactly as a live run's summary converts them (the run layer's ``Summary``
  does it): arrays and tensors go to a ``.npy`` file under ``media/summary/`` with statistics
  inline, media objects to their files and manifest, dicts to flat ``a/b`` keys.
* ``summary.json`` is replaced atomically (temp file + rename; one whole-object PUT on object
  storage) after the new content validated against the summary schema, so a concurrent reader
  sees the old or the new summary, never a half-written one; files of a failed edit are removed.
  In a run folder an advisory lock file (``.summary.lock``) serializes concurrent editors, so no
  edit overwrites another (object storage has no locks: the last editor wins).
* The edited keys join ``summary_explicit`` in ``run.json`` so that resuming the run keeps them.
  ``history.jsonl`` is never touched.
"""

from __future__ import annotations

import os
from typing import Any

from .. import _json, schemas
from ..core.media import TrackingStore
from ..errors import InvalidTypeError, RunError
from .files import RunFiles, run_files
from .history import decode_value, encode_nonfinite
from .metrics import MetricRegistry
from .summary import Summary

__all__ = ["RunSummary"]

LOCK_NAME = ".summary.lock"


def _read(files: RunFiles, rel: str) -> Any:
    data = files.read(rel)
    return None if data is None else _json.loads(data)


class RunSummary(dict):
    """The summary of a run opened with ``open_run``: a dict whose changes are written through.

    Reads are the values of ``summary.json`` (flat ``a/b`` keys) as of the last read or write.
    """

    def __init__(self, root: str | os.PathLike[str] | RunFiles, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._files = run_files(root)

    # ---- writes ----------------------------------------------------------------------------
    def __setitem__(self, key: str, value: Any) -> None:
        self._write({key: value}, ())

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._write({}, (key,))

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several values in one atomic write (nothing to do when called without any)."""
        changes = dict(*args, **kwargs)
        if changes:
            self._write(changes, ())

    def pop(self, key: str, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = dict.__getitem__(self, key)
        self._write({}, (key,))
        return value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def clear(self) -> None:
        self._write({}, tuple(self))

    def popitem(self) -> tuple[str, Any]:
        if not self:
            raise KeyError("popitem(): summary is empty")
        key = next(reversed(list(self)))
        return key, self.pop(key)

    def __ior__(self, other: Any) -> RunSummary:  # type: ignore[misc]
        self.update(other)
        return self

    # ---- the one write path ----------------------------------------------------------------
    def _write(self, changes: dict[str, Any], removed: tuple[str, ...]) -> None:
        for k in changes:
            if not isinstance(k, str):
                raise InvalidTypeError(
                    f"summary: keys must be str; got {k!r} of type {type(k).__name__}."
                )
        files = self._files
        root = files.where()
        with files.lock():
            meta = _read(files, "run.json")
            if not isinstance(meta, dict):
                raise RunError(f"summary: {root} is not a run directory (no run.json).")
            if meta.get("state") == "running":
                raise RunError(
                    f"summary: the run at {root} is still running; change its summary from the "
                    "running process (run.summary[...] = ...), or edit it once it has finished."
                )
            raw = _read(files, "summary.json")
            if not isinstance(raw, dict):  # missing: start from what the history implies
                from .reader import rebuild_summary

                raw = encode_nonfinite(rebuild_summary(files, meta).to_dict())
            store = TrackingStore(files.media_store())
            try:
                staged = Summary(MetricRegistry(), store=lambda: store)
                staged.update(changes)  # live-run conversion: arrays -> .npy + stats, media, a/b
                new = encode_nonfinite(staged.to_dict())
                doc = {k: v for k, v in raw.items() if k not in removed}
                doc.update(new)
                schemas.validate(doc, "summary")
                files.replace("summary.json", _json.dumps(doc, indent=True))
            except BaseException:
                store.rollback()
                raise
            explicit = (set(meta.get("summary_explicit") or []) - set(removed)) | set(new)
            if explicit != set(meta.get("summary_explicit") or []):
                meta["summary_explicit"] = sorted(explicit)
                files.replace("run.json", _json.dumps(meta, indent=True))
        dict.clear(self)
        dict.update(self, decode_value(doc))
