"""Reading runs back, validating them, and recovering runs that were killed.

``open_run(path)`` reads ``run.json``, ``summary.json`` and ``history.jsonl`` without touching any
media file until ``media(key)`` is asked for. A partial last line (a run killed mid-write) is
skipped with a warning; ``recover(path)`` truncates it, removes temp files, rebuilds the summary
from the history and marks the run ``crashed``.

>>> r = mediatypes.open_run("runs/20260101-120000-abcdef")  # doctest: +SKIP
>>> r.history(keys=["loss"], samples=500)                  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
import socket
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _json, schemas
from ..core.media import file_refs
from ..core.store import atomic_write, file_sha256, safe_relpath
from ..errors import (
    DecodeError,
    MediaError,
    MediaFileNotFoundError,
    RunError,
    TransportError,
)
from .history import RESERVED, RunWarning, decode_value, encode_nonfinite, value_kind
from .metrics import MetricRegistry
from .summary import Summary

if TYPE_CHECKING:
    from .edit import RunSummary

__all__ = ["RunReader", "iter_rows", "open_run", "problems", "recover", "replay"]

TEMP_GLOB = ".tmp-*.part"


def iter_rows(
    source: bytes | Path, *, needles: list[bytes] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows of a history (still encoded), streamed line by line from a file or from bytes.

    A partial last line and lines that are not JSON objects are skipped with a warning. With
    ``needles``, lines containing none of them are skipped before parsing.
    """
    if isinstance(source, Path):
        try:
            fh: Any = source.open("rb")
        except FileNotFoundError:
            return
    else:
        fh = io.BytesIO(source)
    with fh:
        yield from _rows(fh, needles)


def _rows(fh: Any, needles: list[bytes] | None) -> Iterator[dict[str, Any]]:
    for i, line in enumerate(fh):
        if needles is not None and not any(n in line for n in needles):
            continue
        if line == b"\n":
            continue
        try:
            row = _json.loads(line)
        except _json.JSONDecodeError:
            row = None
        if not isinstance(row, dict):
            if not line.endswith(b"\n"):
                warnings.warn(
                    "history.jsonl: the last line is incomplete (the run was killed while writing "
                    "it); skipped it. `mediatypes recover` repairs the run.",
                    RunWarning,
                    stacklevel=3,
                )
            else:
                warnings.warn(
                    f"history.jsonl: line {i + 1} is not a JSON object; skipped it.",
                    RunWarning,
                    stacklevel=3,
                )
            continue
        yield row


def replay(history: bytes | Path, summary: Summary) -> tuple[int, dict[str, str]]:
    """Feed every row into ``summary``; return (next step, kind of each key)."""
    step = 0
    kinds: dict[str, str] = {}
    for row in iter_rows(history):
        summary.observe(row)
        s = row.get("_step")
        if isinstance(s, int) and s + 1 > step:
            step = s + 1
        for k, v in row.items():
            kind = value_kind(v)
            if kind is not None and k not in RESERVED:
                kinds[k] = kind
    return step, kinds


def _read_json(path: Path) -> Any:
    """The parsed document, None when absent; DecodeError when damaged (never orjson's error)."""
    try:
        return _json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except _json.JSONDecodeError as exc:
        raise DecodeError(f"{path.name} of {path.parent} is not valid JSON ({exc}).") from exc


def _read_summary(path: Path) -> Any:
    """``summary.json``, or None (with a warning) when it is damaged: it is rebuilt from history."""
    try:
        return _read_json(path / "summary.json")
    except DecodeError as exc:
        warnings.warn(f"{exc} Rebuilt it from the history.", RunWarning, stacklevel=3)
        return None


class RunReader:
    """A run directory opened for reading."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.dir = Path(path)
        meta = _read_json(self.dir / "run.json")
        if not isinstance(meta, dict):
            raise MediaFileNotFoundError(
                f"open_run: `path` expects a run directory with a run.json; got {str(path)!r}."
            )
        self.meta: dict[str, Any] = decode_value(meta)
        try:
            self.metrics = MetricRegistry.from_json(self.meta.get("metrics"))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise DecodeError(
                f"open_run: run.json of {str(path)!r} has malformed `metrics` ({exc})."
            ) from exc

    @property
    def id(self) -> str:
        return str(self.meta.get("id"))

    @property
    def name(self) -> str:
        return str(self.meta.get("name"))

    @property
    def state(self) -> str:
        return str(self.meta.get("state"))

    @property
    def config(self) -> dict[str, Any]:
        config = self.meta.get("config") or {}
        if not isinstance(config, dict):
            raise DecodeError(f"run.json of {str(self.dir)!r}: `config` is not a JSON object.")
        return dict(config)

    @property
    def summary(self) -> RunSummary:
        """``summary.json`` (flat ``a/b`` keys), or rebuilt from the history when it is missing.

        Editable once the run is not running: changes are written through (``runs.edit``).
        """
        from .edit import RunSummary

        data = _read_summary(self.dir)
        if isinstance(data, dict):
            return RunSummary(self.dir, dict(decode_value(data)))
        return RunSummary(self.dir, rebuild_summary(self.dir, self.meta).to_dict())

    @property
    def _history(self) -> Path:
        return self.dir / "history.jsonl"

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, decoded (NaN/±Inf back as floats), in file order."""
        for row in iter_rows(self._history):
            yield {k: decode_value(v) for k, v in row.items()}

    def keys(self, *, hidden: bool = False) -> list[str]:
        """Every key logged (except ``_step``, ``_timestamp``, ``_runtime``)."""
        seen: dict[str, None] = {}
        for row in iter_rows(self._history):
            for k in row:
                if k not in RESERVED:
                    seen[k] = None
        return [k for k in seen if hidden or not self._hidden(k)]

    def _hidden(self, key: str) -> bool:
        spec = self.metrics.resolve(key)
        return bool(spec is not None and spec.hidden)

    def history(
        self, keys: list[str] | None = None, samples: int | None = None
    ) -> list[dict[str, Any]]:
        """Rows as dicts. With ``keys``: only rows holding one of them, with only those keys (plus
        ``_step``, ``_timestamp``, ``_runtime`` and their step metrics). ``samples``: at most that
        many rows, picked deterministically at evenly spaced positions (first and last kept)."""
        wanted: set[str] | None = None
        if keys is not None:
            if isinstance(keys, str):
                keys = [keys]
            wanted = set(keys)
            for k in keys:
                spec = self.metrics.resolve(k)
                if spec is not None and spec.step_metric:
                    wanted.add(spec.step_metric)
            wanted.update(RESERVED)
        # cheap byte prefilter: rows that cannot hold any of the keys are never decoded
        needles = [_json.dumps(k) for k in keys] if keys is not None else None

        def matches() -> Iterator[dict[str, Any]]:
            for line_row in iter_rows(self._history, needles=needles):
                if keys is None or any(k in line_row for k in keys):
                    yield line_row

        if samples is not None:
            if not isinstance(samples, int) or samples < 1:
                raise RunError(f"history: `samples` expects a positive int; got {samples!r}.")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RunWarning)
                total = sum(1 for _ in matches())
            pick = _even_indices(total, samples)
        else:
            pick = None
        out: list[dict[str, Any]] = []
        for i, row in enumerate(matches()):
            if pick is not None and i not in pick:
                continue
            if wanted is not None:
                row = {k: v for k, v in row.items() if k in wanted}
            elif self.metrics.exact or self.metrics.globs:
                row = {k: v for k, v in row.items() if not self._hidden(k)}
            out.append({k: decode_value(v) for k, v in row.items()})
        return out

    def read_bytes(self, relpath: str) -> bytes:
        """The bytes of a file of the run (``media/…``, ``files/…``, ``run.json``…), by its POSIX
        path relative to the run. A path that would leave the run is refused (``UnsafePathError``);
        a missing file is ``MediaFileNotFoundError``.

        Tools that read runs (viewer, exporters) go through this and the row/summary accessors
        only, so they also work on runs that are not on the local disk.
        """
        target = safe_relpath(self.dir, relpath)
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MediaFileNotFoundError(
                f"run {self.id!r}: no file {relpath!r} in {str(self.dir)!r}."
            ) from None

    def exists(self, relpath: str) -> bool:
        """True when ``relpath`` names a file inside the run."""
        try:
            return safe_relpath(self.dir, relpath).is_file()
        except MediaError:
            return False

    def media(self, key: str, step: int | None = None) -> Any:
        """The media object logged under ``key`` (the last one, or the one at ``step``), loaded
        from its manifest; falls back to the summary (``.npy`` tensors load as numpy arrays)."""
        from .. import _registry

        found: Any = None
        for row in self.history(keys=[key]):
            if key in row and (step is None or row.get("_step") == step):
                found = row[key]
        if found is None and step is None:
            found = self.summary.get(key)
        if isinstance(found, dict) and "_tensor" in found:
            import numpy as np

            return np.load(safe_relpath(self.dir, found["_tensor"]["path"]), allow_pickle=False)
        if not isinstance(found, dict) or "_type" not in found:
            raise KeyError(f"no media logged under {key!r}" + (f" at step {step}" if step else ""))
        return _registry.load(found, self.dir)

    def __repr__(self) -> str:
        return f"<RunReader {self.id!r} {self.state} at {self.dir}>"


def _even_indices(total: int, samples: int) -> set[int] | None:
    if total <= samples:
        return None
    if samples == 1:
        return {total - 1}
    d = samples - 1  # evenly spaced positions, rounded half up (integer arithmetic: exact)
    return {(i * (total - 1) * 2 + d) // (2 * d) for i in range(samples)}


def open_run(path: str | os.PathLike[str]) -> RunReader:
    """Open a run directory for reading.

    >>> mediatypes.open_run("runs/<id>").history(keys=["loss"])  # doctest: +SKIP
    """
    return RunReader(path)


def rebuild_summary(path: Path, meta: dict[str, Any]) -> Summary:
    """The summary as the history implies it, plus explicit values kept from ``summary.json``."""
    summary = Summary(MetricRegistry.from_json(meta.get("metrics")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)
        replay(path / "history.jsonl", summary)
    stored = _read_summary(path)
    if isinstance(stored, dict):
        summary.restore_explicit(
            {k: stored[k] for k in meta.get("summary_explicit") or [] if k in stored}
        )
    return summary


def recover(path: str | os.PathLike[str], *, force: bool = False) -> dict[str, Any]:
    """Complete a run that did not finish (killed, crashed): truncate a partial last history line,
    remove temp files, rebuild ``summary.json`` from the history, mark the run ``crashed``.

    A finished run is left alone. Returns a report dict (what was done).
    """
    root = Path(path)
    meta = _read_json(root / "run.json")
    if not isinstance(meta, dict):
        raise MediaFileNotFoundError(
            f"recover: `path` expects a run directory with a run.json; got {str(path)!r}."
        )
    report: dict[str, Any] = {"path": str(root), "state": meta.get("state"), "recovered": False}
    if meta.get("state") != "running":
        return report
    pid = live_writer(meta)
    if not force and pid is not None:
        raise RunError(
            f"recover: process {pid} is still writing {root}; stop it first or pass force=True."
        )
    hist = root / "history.jsonl"
    dropped = 0
    if hist.exists():
        keep = _complete_prefix(hist)
        size = hist.stat().st_size
        with hist.open("rb") as fh:
            fh.seek(keep)
            tail = fh.read()
        try:
            whole = isinstance(_json.loads(tail), dict) if tail else False
        except _json.JSONDecodeError:
            whole = False
        if whole:  # cut just before its newline: the row is complete, keep it
            with hist.open("ab") as fh:
                fh.write(b"\n")
        dropped = 0 if whole else size - keep
        if dropped:
            try:
                os.truncate(hist, keep)
            except OSError as exc:
                raise TransportError(f"recover: cannot truncate {hist}: {exc}") from exc
    temps = [p for p in root.rglob(TEMP_GLOB) if p.is_file()]
    for p in temps:
        p.unlink()
    summary = rebuild_summary(root, meta)
    atomic_write(
        root / "summary.json", _json.dumps(encode_nonfinite(summary.to_dict()), indent=True)
    )
    last_ts = summary.to_dict().get("_timestamp")
    meta.update(
        state="crashed",
        exit_code=None,
        finished_at=last_ts if isinstance(last_ts, (int, float)) else meta.get("started_at"),
        recovered_at=time.time(),
        summary_explicit=summary.explicit_keys(),
    )
    atomic_write(root / "run.json", _json.dumps(meta, indent=True))
    report.update(
        state="crashed",
        recovered=True,
        partial_bytes_dropped=dropped,
        temp_files_removed=len(temps),
    )
    return report


def _complete_prefix(path: Path, block: int = 1 << 16) -> int:
    """Length of the file up to and including its last newline (reads only its tail)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        end = size
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            chunk = fh.read(end - start)
            pos = chunk.rfind(b"\n")
            if pos >= 0:
                return start + pos + 1
            end = start
    return 0


def live_writer(meta: dict[str, Any]) -> int | None:
    """The pid of another live process on this host that is still writing the run described by
    ``meta`` (its run.json), else None."""
    pid = meta.get("pid")
    if (
        meta.get("state") != "running"
        or meta.get("host") != socket.gethostname()
        or not isinstance(pid, int)
        or pid <= 0
        or pid == os.getpid()
    ):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by another user
        pass
    return pid


def problems(path: str | os.PathLike[str], *, check_files: bool = True) -> list[str]:
    """Every schema problem of a run directory: ``run.json``, each history row, ``summary.json``,
    each media manifest inside them (by its ``_type``), and (``check_files``) each referenced file's
    presence, size and sha256. Empty when the run is valid."""
    root = Path(path)
    out: list[str] = []
    try:
        meta = _read_json(root / "run.json")
    except DecodeError as exc:
        meta = None
        out.append(f"run.json: {exc}")
    else:
        out.extend(f"run.json {p}" for p in schemas.problems(meta, "run"))
    refs: dict[str, dict[str, Any]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunWarning)
        for i, row in enumerate(iter_rows(root / "history.jsonl")):
            where = f"history.jsonl row {i}"
            out.extend(f"{where} {p}" for p in schemas.problems(row, "history-row"))
            out.extend(_manifest_problems(row, where, refs))
    out.extend(f"history.jsonl: {w.message}" for w in caught)
    try:
        summary = _read_json(root / "summary.json")
    except DecodeError as exc:
        summary = None
        out.append(f"summary.json: {exc}")
    if summary is not None:
        out.extend(f"summary.json {p}" for p in schemas.problems(summary, "summary"))
        if isinstance(summary, dict):
            out.extend(_manifest_problems(summary, "summary.json", refs))
    if check_files:
        for rel, ref in sorted(refs.items()):
            try:
                target = safe_relpath(root, rel)
            except Exception as exc:
                out.append(f"{rel}: {exc}")
                continue
            if not target.is_file():
                out.append(f"{rel}: referenced file is missing")
                continue
            digest, size = file_sha256(target)
            if size != ref.get("size") or digest != ref.get("sha256"):
                out.append(f"{rel}: size/sha256 differ from the manifest (truncated or changed)")
    return out


def _manifest_problems(doc: dict[str, Any], where: str, refs: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in doc.items():
        if not isinstance(v, dict):
            continue
        for ref in file_refs(v):
            refs[ref["path"]] = ref
        if "_type" in v:
            out.extend(f"{where} [{k!r}] {p}" for p in schemas.problems(v))
        else:  # aggregate dicts may hold manifests as first/last
            for sub in v.values():
                if isinstance(sub, dict) and "_type" in sub:
                    out.extend(f"{where} [{k!r}] {p}" for p in schemas.problems(sub))
    return out
