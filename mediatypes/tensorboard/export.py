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

__all__ = ["export_run"]

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


def export_run(
    run: Any,
    logdir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    tick: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write ``run`` (a run directory, passed to ``open_run`` as given) as one event file in
    ``<logdir>/<run id>/``; return a report (event file, rows, events, skipped keys).

    The file is written under a temporary name and renamed when complete, so TensorBoard never
    reads half an export. A folder that already holds event files is refused unless
    ``overwrite`` (which then removes those event files once the new one is complete).
    """
    from ..runs.reader import open_run

    reader = open_run(run)
    folder = Path(logdir) / reader.id
    old = event_files(folder) if folder.is_dir() else []
    if old and not overwrite:
        raise InvalidInputError(
            f"export: `OUT_LOGDIR` {str(logdir)!r} already holds TensorBoard data for run "
            f"{reader.id!r} ({old[0].name}); pass --overwrite (overwrite=True) to replace it, or "
            f"choose another folder."
        )
    meta = reader.meta
    started = float(meta.get("started_at") or time.time())
    writer = EventWriter(folder, wall_time=started, temporary=True)
    mapper = Mapper(reader.read_bytes)
    rows = 0
    try:
        writer.write(mapper.hparams_start(reader.config, started, str(meta.get("name") or "")))
        for row in reader.rows():
            data = mapper.row(row)
            if data is not None:
                writer.write(data)
            rows += 1
            if rows % FLUSH_EVERY == 0:
                writer.flush()
                if tick is not None:
                    tick(FLUSH_EVERY)
        if reader.exists(SYSTEM):
            for i, line in enumerate(reader.read_bytes(SYSTEM).splitlines()):
                data = system_event(mapper, line, i)
                if data is not None:
                    writer.write(data)
        state = str(meta.get("state"))
        if state != "running":
            ended = float(meta.get("finished_at") or started)
            writer.write(mapper.hparams_end(state, ended))
        writer.close()
        final = writer.commit()
    except BaseException:
        writer.discard()
        raise
    for path in old:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return {
        "run": reader.id,
        "logdir": str(logdir),
        "event_file": str(final),
        "rows": rows,
        "events": writer.records,
        "skipped": dict(mapper.skipped),
    }


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
