"""Export a finished (or running) run to a TensorBoard logdir, reading it only through ``RunReader``.

>>> export_run("runs/20260101-120000-abcdef", "tb")  # doctest: +SKIP
{'run': ..., 'event_file': 'tb/20260101-120000-abcdef/events.out.tfevents...', ...}
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, TransportError
from .events import EventWriter, event_files
from .summaries import Mapper

__all__ = ["export_run", "rank_folder", "shared_ranks", "system_file"]

FLUSH_EVERY = 2000  # rows between writes of the event buffer (bounded memory)
SYSTEM = "files/system.jsonl"


def system_event(mapper: Mapper, line: bytes, index: int) -> bytes | None:
    """The event of one system-metrics line (None for a damaged or partial line)."""
    from .. import _json

    try:
        sample = _json.loads(line)
    except _json.JSONDecodeError:
        return None
    return mapper.system(sample, index) if isinstance(sample, dict) else None


def shared_ranks(meta: dict[str, Any]) -> bool:
    """True for a run several processes logged into (``init(group="shared")``): its rows carry
    ``_rank`` and each rank becomes a TensorBoard run of its own."""
    group = meta.get("group")
    return isinstance(group, dict) and group.get("mode") == "shared"


def rank_folder(folder: Path, rank: int) -> Path:
    """The TensorBoard run of one rank: ``<logdir>/<run id>/rank-<rank>``."""
    return folder / f"rank-{int(rank)}"


def system_file(rank: int | None) -> str:
    """Where a rank's system metrics are in the run (rank 0 and single writers: ``files/``)."""
    return f"files/rank-{rank}/system.jsonl" if rank else SYSTEM


def _old_exports(folder: Path) -> list[Path]:
    """Event files an earlier export left for this run (flat and per rank)."""
    if not folder.is_dir():
        return []
    old = event_files(folder)
    for sub in sorted(folder.glob("rank-*")):
        if sub.is_dir():
            old += event_files(sub)
    return old


class _Sink:
    """One event file per TensorBoard run: the run's own folder, or one per rank."""

    def __init__(self, folder: Path, reader: Any, started: float, shared: bool) -> None:
        self.folder, self.reader, self.started, self.shared = folder, reader, started, shared
        self.mapper = Mapper(reader.read_bytes)
        self.writers: dict[int | None, tuple[EventWriter, Mapper]] = {}

    def get(self, rank: int | None) -> tuple[EventWriter, Mapper]:
        key = (rank or 0) if self.shared else None
        pair = self.writers.get(key)
        if pair is None:
            folder = self.folder if key is None else rank_folder(self.folder, key)
            writer = EventWriter(folder, wall_time=self.started, temporary=True)
            mapper = self.mapper if not self.writers else self.mapper.fork()
            meta = self.reader.meta
            name = str(meta.get("name") or "")
            writer.write(mapper.hparams_start(self.reader.config, self.started, name))
            pair = self.writers[key] = (writer, mapper)
        return pair

    def state(self, rank: int | None) -> tuple[str, float]:
        """How the run (or this rank's process) ended, and when."""
        meta = self.reader.meta
        doc: Any = meta
        if rank is not None and self.reader.exists(f"ranks/{rank}.json"):
            from .. import _json

            try:
                doc = _json.loads(self.reader.read_bytes(f"ranks/{rank}.json"))
            except _json.JSONDecodeError:
                doc = meta
        if not isinstance(doc, dict):
            doc = meta
        state = str(doc.get("state") or meta.get("state"))
        return state, float(doc.get("finished_at") or meta.get("finished_at") or self.started)


def export_run(
    run: Any,
    logdir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    tick: Callable[[int], None] | None = None,
    storage_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``run`` (a run folder or URL, passed to ``open_run`` as given) as one event file in
    ``<logdir>/<run id>/``; return a report (event files, rows, events, skipped keys).

    A run several processes logged into (``group="shared"``) becomes one TensorBoard run per
    rank, ``<logdir>/<run id>/rank-<r>/``: TensorBoard keeps one value per step in a series, so
    the ranks cannot share one. Files are written under a temporary name and renamed when
    complete, so TensorBoard never reads half an export. A folder that already holds event files
    is refused unless ``overwrite`` (which then removes those event files once the new ones are
    complete).
    """
    from ..runs.reader import open_run

    reader = open_run(run, storage_options=storage_options)
    folder = Path(logdir) / reader.id
    old = _old_exports(folder)
    if old and not overwrite:
        raise InvalidInputError(
            f"export: `OUT_LOGDIR` {str(logdir)!r} already holds TensorBoard data for run "
            f"{reader.id!r} ({old[0].relative_to(folder)}); pass --overwrite (overwrite=True) to "
            f"replace it, or choose another folder."
        )
    meta = reader.meta
    started = float(meta.get("started_at") or time.time())
    shared = shared_ranks(meta)
    sink = _Sink(folder, reader, started, shared)
    rows = 0
    try:
        # one process: one file (its hparams event first, even for a run without rows)
        single = None if shared else sink.get(None)
        for row in reader.rows():
            writer, mapper = single or sink.get(row.get("_rank"))
            data = mapper.row(row)
            if data is not None:
                writer.write(data)
            rows += 1
            if rows % FLUSH_EVERY == 0:
                for w, _ in sink.writers.values():
                    w.flush()
                if tick is not None:
                    tick(FLUSH_EVERY)
        ranks: list[int | None] = [None]
        if shared:  # ranks that logged no row may still have system metrics
            world = (meta.get("group") or {}).get("world_size")
            seen = {r for r in sink.writers if r is not None}
            ranks = [*sorted(seen | set(range(world if isinstance(world, int) else 0)))]
        for rank in ranks:
            rel = system_file(rank)
            if not reader.exists(rel):
                continue
            writer, mapper = sink.get(rank)
            for i, line in enumerate(reader.read_bytes(rel).splitlines()):
                data = system_event(mapper, line, i)
                if data is not None:
                    writer.write(data)
        if not sink.writers:
            sink.get(0)
        for rank, (writer, mapper) in sink.writers.items():
            state, ended = sink.state(rank)
            if state != "running":
                writer.write(mapper.hparams_end(state, ended))
            writer.close()
        finals = {rank: writer.commit() for rank, (writer, _) in sink.writers.items()}
    except BaseException:
        for writer, _ in sink.writers.values():
            writer.discard()
        raise
    for path in old:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    files = [finals[r] for r in sorted(finals, key=lambda r: -1 if r is None else r)]
    report: dict[str, Any] = {
        "run": reader.id,
        "logdir": str(logdir),
        "event_file": str(files[0]) if not shared else str(folder),
        "rows": rows,
        "events": sum(w.records for w, _ in sink.writers.values()),
        "skipped": dict(sink.mapper.skipped),
    }
    if shared:
        report["ranks"] = {str(r): str(finals[r]) for r in sorted(r or 0 for r in finals)}
    return report


def check_logdir(logdir: str | os.PathLike[str]) -> Path:
    """``logdir`` as a folder we can write into (created when missing)."""
    path = Path(logdir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TransportError(f"cannot create the TensorBoard logdir {path}: {exc}") from exc
    if not os.access(path, os.W_OK):
        raise TransportError(f"the TensorBoard logdir {path} is not writable.")
    return path
