"""The process behind ``init(transport="tensorboard:LOGDIR")``: it tails a run directory and writes
its rows as TensorBoard events while the run is being logged.

    python -m mediatypes.tensorboard.follow RUN_DIR TB_DIR --pid PID [--offset B] [--system-offset B]
        [--rank R]

Why a process: encoding an event costs a few microseconds of Python, which on the training
process (even on a background thread, through the GIL) would cost far more than the logging
itself (a scalar ``log()`` is ~2.5 µs). The run process only starts this follower; the follower
reads ``history.jsonl`` from ``--offset`` (and ``files/system.jsonl``) as they grow (complete lines only; media rows point at
files already in the run's store), and ends once ``run.json`` says the run is no longer running
(every row is in the history by then), or once process ``PID`` is gone, writing the hparams
session end. With ``--rank R`` (one rank of a ``group="shared"`` run) it reads that rank's
``history/R.jsonl`` and system metrics and ends with the rank's state (``ranks/R.json``).
It reads once a second, runs at idle CPU priority (``SCHED_IDLE``) and imports
nothing heavy before its first read, so a short run pays only the process start. Exit status 0 when every row was written; problems go to stderr (the transport
keeps it in ``TB_DIR/.mediatypes-follow.log``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["background", "follow", "main"]

# Seconds between reads of the history. TensorBoard itself reloads every 5 s, so a second costs
# the live view nothing, and work done in batches costs the machine less than a busy poll.
POLL = 1.0


def background(pid: int = 0) -> None:
    """Run process ``pid`` (0: this one) only on CPU time nothing else wants (``SCHED_IDLE``;
    nice 19 where that is not available): the training process always comes first, and the
    follower catches up whenever a core is idle and at the end of the run."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_meta(run_dir: Path, rel: str = "run.json") -> dict[str, Any] | None:
    from .. import _json

    try:
        meta = _json.loads((run_dir / rel).read_bytes())
    except (FileNotFoundError, _json.JSONDecodeError):  # not there yet / being replaced
        return None
    return meta if isinstance(meta, dict) else None


class _Tail:
    """Complete lines appended to a file since ``offset`` (the file may appear later)."""

    def __init__(self, path: Path, offset: int) -> None:
        self.path, self.offset = path, offset
        self._fh: Any = None
        self._pending = b""

    def lines_before(self) -> int:
        if self.offset <= 0 or not self.path.is_file():
            return 0
        with self.path.open("rb") as fh:
            return fh.read(self.offset).count(b"\n")

    def read_lines(self) -> list[bytes]:
        if self._fh is None:
            try:
                self._fh = self.path.open("rb")
            except FileNotFoundError:
                return []
            self._fh.seek(self.offset)
        self._pending += self._fh.read()
        cut = self._pending.rfind(b"\n") + 1
        lines, self._pending = self._pending[:cut], self._pending[cut:]
        return lines.splitlines()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def follow(
    run_dir: Path,
    tb_dir: Path,
    pid: int,
    offset: int = 0,
    system_offset: int = 0,
    rank: int | None = None,
) -> int:
    """Tail ``run_dir`` (or one rank's files of it) into a new event file in ``tb_dir`` until the
    run (the rank) ends; return the exit status (0 ok)."""
    # whose state ends the tail: the run's, or this rank's (rank 0 owns run.json, which says
    # "finished" only after every rank did)
    state_rel = "run.json" if rank is None else f"ranks/{rank}.json"
    meta = _read_meta(run_dir, state_rel)
    while meta is None:  # written right after the transport opens
        if not _alive(pid):
            print(
                f"follow: {run_dir} has no {state_rel} and process {pid} is gone", file=sys.stderr
            )
            return 1
        time.sleep(0.05)
        meta = _read_meta(run_dir, state_rel)
    run_meta = meta if rank is None else (_read_meta(run_dir) or {})

    from .. import _json
    from ..core.store import safe_relpath
    from ..runs.history import decode_value
    from .events import EventWriter
    from .summaries import Mapper

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    mapper = Mapper(lambda rel: safe_relpath(run_dir, rel).read_bytes(), warn=log)
    started = float(meta.get("started_at") or time.time())
    writer = EventWriter(tb_dir, wall_time=started)
    config = run_meta.get("config") or {}
    name = str(run_meta.get("name") or "")
    writer.write(mapper.hparams_start(config, started, name))
    from .export import system_event, system_file

    rows = "history.jsonl" if rank is None else f"history/{rank}.jsonl"
    history = _Tail(run_dir / rows, offset)
    system = _Tail(run_dir / system_file(rank), system_offset)
    samples = system.lines_before()  # system samples are numbered across resumed sessions
    try:
        while True:
            # the state first: rows reach the history before run.json says the run ended, so
            # the read below then gets every row
            meta = _read_meta(run_dir, state_rel) or meta
            ended = None if meta.get("state") == "running" else str(meta.get("state"))
            if ended is None and not _alive(pid):
                ended = "crashed"
            for line in history.read_lines():
                try:
                    row = _json.loads(line)
                except _json.JSONDecodeError:
                    log(f"follow: skipped a history line that is not JSON: {line[:80]!r}")
                    continue
                if isinstance(row, dict):
                    data = mapper.row({k: decode_value(v) for k, v in row.items()})
                    if data is not None:
                        writer.write(data)
            for line in system.read_lines():
                data = system_event(mapper, line, samples)
                samples += 1
                if data is not None:
                    writer.write(data)
            writer.flush()
            if ended is not None:
                break
            time.sleep(POLL)
    finally:
        history.close()
        system.close()
    run_meta = (meta if rank is None else _read_meta(run_dir)) or run_meta
    final_config = run_meta.get("config") or {}
    if final_config != config:  # config changed during the run: the last one wins
        writer.write(mapper.hparams_start(final_config, started, name))
    writer.write(mapper.hparams_end(ended, float(meta.get("finished_at") or time.time())))
    writer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediatypes.tensorboard.follow")
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("tb_dir", type=Path)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--system-offset", type=int, default=0)
    parser.add_argument("--rank", type=int, default=None)
    args = parser.parse_args(argv)
    background()
    try:
        return follow(
            args.run_dir, args.tb_dir, args.pid, args.offset, args.system_offset, args.rank
        )
    except Exception as exc:
        print(f"follow: failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
