"""Reading runs back, validating them, and recovering runs that were killed.

``open_run(path)`` reads ``run.json``, ``summary.json`` and the history without touching any
media file until ``media(key)`` is asked for. ``path`` is a run folder or a URL of a run on object
storage (``s3://bucket/prefix/run``, any fsspec URL; see ``mediatypes.runs.files``). A run written
by several processes (``init(group="shared")``) is read as one: rows are merged by
``(_step, _rank)``. A partial last line (a run killed mid-write) is skipped with a warning;
``recover(path)`` truncates it, removes temp files, rebuilds the summary from the history and
marks the run ``crashed``.

>>> r = mediatypes.open_run("runs/20260101-120000-abcdef")  # doctest: +SKIP
>>> r.history(keys=["loss"], samples=500)                  # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import io
import os
import socket
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _json, schemas
from ..core.media import file_refs
from ..errors import (
    DecodeError,
    MediaError,
    MediaFileNotFoundError,
    RunError,
    TransportError,
)
from .files import RunFiles, history_sources, run_files, segments_of
from .history import RESERVED, RunWarning, decode_value, encode_nonfinite, value_kind
from .metrics import MetricRegistry
from .summary import Summary

if TYPE_CHECKING:
    from .edit import RunSummary

__all__ = [
    "RunReader",
    "history_rows",
    "iter_rows",
    "open_run",
    "problems",
    "recover",
    "replay",
]

TEMP_GLOB = ".tmp-*.part"


def iter_rows(
    source: bytes | Path, *, needles: list[bytes] | None = None, name: str = "history.jsonl"
) -> Iterator[dict[str, Any]]:
    """Rows of one history file (still encoded), streamed line by line from a file or from bytes.

    A partial last line and lines that are not JSON objects are skipped with a warning naming
    ``name``. With ``needles``, lines containing none of them are skipped before parsing.
    """
    if isinstance(source, Path):
        try:
            fh: Any = source.open("rb")
        except FileNotFoundError:
            return
    else:
        fh = io.BytesIO(source)
    with fh:
        yield from _rows(fh, needles, name)


def _rows(fh: Any, needles: list[bytes] | None, name: str) -> Iterator[dict[str, Any]]:
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
                    f"{name}: the last line is incomplete (the run was killed while writing "
                    "it); skipped it. `mediatypes recover` repairs the run.",
                    RunWarning,
                    stacklevel=3,
                )
            else:
                warnings.warn(
                    f"{name}: line {i + 1} is not a JSON object; skipped it.",
                    RunWarning,
                    stacklevel=3,
                )
            continue
        yield row


def history_rows(
    files: RunFiles, *, needles: list[bytes] | None = None
) -> Iterator[dict[str, Any]]:
    """Every history row of a run (still encoded), whatever its layout: ``history.jsonl``, one
    file per rank, or numbered segments per rank. Several writers are merged by
    ``(_step, rank)``; each writer's rows keep their order."""
    sources = history_sources(files)
    if len(sources) == 1:
        for rel, data in files.sources(sources[0][1]):
            yield from iter_rows(data, needles=needles, name=rel)
        return
    streams = [_keyed(files, rank, rels, needles) for rank, rels in sources]
    for *_, row in heapq.merge(*streams):
        yield row


def _keyed(
    files: RunFiles, rank: int | None, rels: list[str], needles: list[bytes] | None
) -> Iterator[tuple[int, int, int, dict[str, Any]]]:
    r = -1 if rank is None else rank
    i = 0
    for rel, data in files.sources(rels):
        for row in iter_rows(data, needles=needles, name=rel):
            step = row.get("_step")
            i += 1
            yield (step if type(step) is int else -1), r, i, row


def replay(
    history: bytes | Path | Iterable[dict[str, Any]], summary: Summary
) -> tuple[int, dict[str, str]]:
    """Feed every row into ``summary``; return (next step, kind of each key)."""
    step = 0
    kinds: dict[str, str] = {}
    rows = iter_rows(history) if isinstance(history, (bytes, Path)) else history
    for row in rows:
        summary.observe(row)
        s = row.get("_step")
        if isinstance(s, int) and s + 1 > step:
            step = s + 1
        for k, v in row.items():
            kind = value_kind(v)
            if kind is not None and k not in RESERVED:
                kinds[k] = kind
    return step, kinds


def read_json(files: RunFiles, rel: str) -> Any:
    """The parsed document, None when absent; DecodeError when damaged (never orjson's error)."""
    data = files.read(rel)
    if data is None:
        return None
    try:
        return _json.loads(data)
    except _json.JSONDecodeError as exc:
        raise DecodeError(f"{rel} of {files.where()} is not valid JSON ({exc}).") from exc


def _read_summary(files: RunFiles) -> Any:
    """``summary.json``, or None (with a warning) when it is damaged: it is rebuilt from history."""
    try:
        return read_json(files, "summary.json")
    except DecodeError as exc:
        warnings.warn(f"{exc} Rebuilt it from the history.", RunWarning, stacklevel=3)
        return None


class RunReader:
    """A run opened for reading: a folder, or a URL on object storage (``storage_options`` go to
    fsspec, e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}``)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | RunFiles,
        *,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.files = run_files(path, storage_options)
        self.dir: Path | None = self.files.local  # None for a run on object storage
        self.url = self.files.url
        meta = read_json(self.files, "run.json")
        if not isinstance(meta, dict):
            raise MediaFileNotFoundError(
                f"open_run: `path` expects a run directory or URL with a run.json; got "
                f"{self.url!r}."
            )
        self.meta: dict[str, Any] = decode_value(meta)
        try:
            self.metrics = MetricRegistry.from_json(self.meta.get("metrics"))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise DecodeError(
                f"open_run: run.json of {self.url!r} has malformed `metrics` ({exc})."
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
            raise DecodeError(f"run.json of {self.url!r}: `config` is not a JSON object.")
        return dict(config)

    @property
    def summary(self) -> RunSummary:
        """``summary.json`` (flat ``a/b`` keys), or rebuilt from the history when it is missing.

        Editable once the run is not running: changes are written through (``runs.edit``).
        """
        from .edit import RunSummary

        data = _read_summary(self.files)
        if isinstance(data, dict):
            return RunSummary(self.files, dict(decode_value(data)))
        return RunSummary(self.files, rebuild_summary(self.files, self.meta).to_dict())

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, decoded (NaN/±Inf back as floats), in order (several ranks: by step, rank)."""
        for row in history_rows(self.files):
            yield {k: decode_value(v) for k, v in row.items()}

    def keys(self, *, hidden: bool = False) -> list[str]:
        """Every key logged (except ``_step``, ``_timestamp``, ``_runtime``, ``_rank``)."""
        seen: dict[str, None] = {}
        for row in history_rows(self.files):
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
        ``_step``, ``_timestamp``, ``_runtime``, ``_rank`` and their step metrics). ``samples``: at
        most that many rows, picked deterministically at evenly spaced positions (first and last
        kept)."""
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
            for line_row in history_rows(self.files, needles=needles):
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
        a missing file is ``MediaFileNotFoundError``. A file appended in segments on object storage
        (``files/output.log``, ``files/system.jsonl``) is returned whole.

        Tools that read runs (viewer, exporters) go through this and the row/summary accessors
        only, so they also work on runs that are not on the local disk.
        """
        data = self.files.read(relpath)
        if data is None:
            parts = segments_of(self.files, relpath)
            if not parts:
                raise MediaFileNotFoundError(
                    f"run {self.id!r}: no file {relpath!r} in {self.url!r}."
                )
            data = b"".join(self.files.read_bytes(p) for p in parts)
        return data

    def exists(self, relpath: str) -> bool:
        """True when ``relpath`` names a file inside the run."""
        try:
            return self.files.exists(relpath) or bool(segments_of(self.files, relpath))
        except MediaError:
            return False

    def media(self, key: str, step: int | None = None) -> Any:
        """The media object logged under ``key`` (the last one, or the one at ``step``), loaded
        from its manifest; falls back to the summary (``.npy`` tensors load as numpy arrays).
        Files of a run on object storage are downloaded into a local cache first."""
        from .. import _registry

        found: Any = None
        for row in self.history(keys=[key]):
            if key in row and (step is None or row.get("_step") == step):
                found = row[key]
        if found is None and step is None:
            found = self.summary.get(key)
        if isinstance(found, dict) and "_tensor" in found:
            import numpy as np

            from ..core.store import safe_relpath

            root = self.files.local_root(found)
            return np.load(safe_relpath(root, found["_tensor"]["path"]), allow_pickle=False)
        if not isinstance(found, dict) or "_type" not in found:
            raise KeyError(f"no media logged under {key!r}" + (f" at step {step}" if step else ""))
        return _registry.load(found, self.files.local_root(found))

    def __repr__(self) -> str:
        return f"<RunReader {self.id!r} {self.state} at {self.url}>"


def _even_indices(total: int, samples: int) -> set[int] | None:
    if total <= samples:
        return None
    if samples == 1:
        return {total - 1}
    d = samples - 1  # evenly spaced positions, rounded half up (integer arithmetic: exact)
    return {(i * (total - 1) * 2 + d) // (2 * d) for i in range(samples)}


def open_run(
    path: str | os.PathLike[str] | RunFiles, *, storage_options: dict[str, Any] | None = None
) -> RunReader:
    """Open a run for reading: a run folder, or a URL on object storage.

    >>> mediatypes.open_run("runs/<id>").history(keys=["loss"])  # doctest: +SKIP
    >>> mediatypes.open_run("s3://bucket/team/run-7").summary    # doctest: +SKIP
    """
    return RunReader(path, storage_options=storage_options)


def rebuild_summary(path: str | os.PathLike[str] | RunFiles, meta: dict[str, Any]) -> Summary:
    """The summary as the history implies it, plus explicit values kept from ``summary.json``."""
    files = run_files(path)
    summary = Summary(MetricRegistry.from_json(meta.get("metrics")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)
        replay(history_rows(files), summary)
    stored = _read_summary(files)
    if isinstance(stored, dict):
        summary.restore_explicit(
            {k: stored[k] for k in meta.get("summary_explicit") or [] if k in stored}
        )
    return summary


def recover(
    path: str | os.PathLike[str] | RunFiles,
    *,
    force: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Complete a run that did not finish (killed, crashed): truncate a partial last line of each
    appended history file, remove temp files, rebuild ``summary.json`` from the history, mark the
    run (and each rank that did not finish) ``crashed``. On object storage nothing is truncated:
    segments are whole objects and are never rewritten; only the summary and states are written.

    A finished run is left alone. Returns a report dict (what was done).
    """
    files = run_files(path, storage_options)
    meta = read_json(files, "run.json")
    if not isinstance(meta, dict):
        raise MediaFileNotFoundError(
            f"recover: `path` expects a run directory or URL with a run.json; got {files.url!r}."
        )
    report: dict[str, Any] = {"path": files.url, "state": meta.get("state"), "recovered": False}
    if meta.get("state") != "running":
        return report
    pid = live_writer(meta)
    if not force and pid is not None:
        raise RunError(
            f"recover: process {pid} is still writing {files.url}; stop it first or pass "
            "force=True."
        )
    dropped = 0
    temps: list[Path] = []
    if files.local is not None:
        for rank, rels in history_sources(files):
            if rank is None or rels[0].endswith(f"/{rank}.jsonl"):
                dropped += _repair_tail(files.local / rels[0])
        temps = [p for p in files.local.rglob(TEMP_GLOB) if p.is_file()]
        for p in temps:
            p.unlink()
    summary = rebuild_summary(files, meta)
    files.replace("summary.json", _json.dumps(encode_nonfinite(summary.to_dict()), indent=True))
    ranks = _close_ranks(files)
    last_ts = summary.to_dict().get("_timestamp")
    meta.update(
        state="crashed",
        exit_code=None,
        finished_at=last_ts if isinstance(last_ts, (int, float)) else meta.get("started_at"),
        recovered_at=time.time(),
        summary_explicit=summary.explicit_keys(),
    )
    files.replace("run.json", _json.dumps(meta, indent=True))
    report.update(
        state="crashed",
        recovered=True,
        partial_bytes_dropped=dropped,
        temp_files_removed=len(temps),
    )
    if ranks:
        report["ranks_marked_crashed"] = ranks
    return report


def _repair_tail(hist: Path) -> int:
    """Cut a partial last line of an appended history file; returns the bytes dropped."""
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
        return 0
    dropped = size - keep
    if dropped:
        try:
            os.truncate(hist, keep)
        except OSError as exc:
            raise TransportError(f"recover: cannot truncate {hist}: {exc}") from exc
    return dropped


def _close_ranks(files: RunFiles) -> list[int]:
    """Mark ``ranks/<r>.json`` of ranks still ``running`` (and not alive here) as crashed."""
    marked: list[int] = []
    for rel in files.listing("ranks"):
        try:
            state = read_json(files, rel)
        except DecodeError:
            continue
        if not isinstance(state, dict) or state.get("state") != "running":
            continue
        if live_writer(state) is not None:
            continue
        state.update(state="crashed", recovered_at=time.time())
        files.replace(rel, _json.dumps(state, indent=True))
        if isinstance(state.get("rank"), int):
            marked.append(state["rank"])
    return sorted(marked)


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


def problems(
    path: str | os.PathLike[str] | RunFiles,
    *,
    check_files: bool = True,
    storage_options: dict[str, Any] | None = None,
) -> list[str]:
    """Every schema problem of a run (folder or URL): ``run.json``, each history row,
    ``summary.json``, each media manifest inside them (by its ``_type``), and (``check_files``)
    each referenced file's presence, size and sha256. Empty when the run is valid."""
    files = run_files(path, storage_options)
    out: list[str] = []
    try:
        meta = read_json(files, "run.json")
    except DecodeError as exc:
        meta = None
        out.append(f"run.json: {exc}")
    else:
        out.extend(f"run.json {p}" for p in schemas.problems(meta, "run"))
    refs: dict[str, dict[str, Any]] = {}
    for rank, rels in history_sources(files):
        for rel, data in files.sources(rels):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RunWarning)
                for i, row in enumerate(iter_rows(data, name=rel)):
                    where = f"{rel} row {i}"
                    out.extend(f"{where} {p}" for p in schemas.problems(row, "history-row"))
                    out.extend(_manifest_problems(row, where, refs))
                    if rank is not None and "_rank" in row and row["_rank"] != rank:
                        out.append(f"{where} $._rank: {row['_rank']!r} in the file of rank {rank}")
            out.extend(f"{rel}: {w.message}" for w in caught)
    for rel in files.listing("ranks"):
        try:
            state = read_json(files, rel)
        except DecodeError as exc:
            out.append(f"{rel}: {exc}")
            continue
        out.extend(f"{rel} {p}" for p in schemas.problems(state, "run-rank"))
    try:
        summary = read_json(files, "summary.json")
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
                found = files.sha256(rel)
            except Exception as exc:
                out.append(f"{rel}: {exc}")
                continue
            if found is None:
                out.append(f"{rel}: referenced file is missing")
                continue
            digest, size = found
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
