"""Several processes, one run (torch DDP, multiprocessing, several hosts).

* Ranks come from ``init(rank=, world_size=)`` or the launcher's ``RANK`` (else ``LOCAL_RANK``)
  and ``WORLD_SIZE``.
* By default only rank 0 logs: ``init`` on any other rank returns a :class:`DisabledRun` whose
  ``log``, ``summary``, ``define_metric`` and ``finish`` do nothing (one ``RunWarning`` says so).
* ``init(group="shared")``: every rank logs into one run. They agree on its id (``id=``, or
  ``$MEDIATYPES_RUN_ID``, or torchrun's ``$TORCHELASTIC_RUN_ID``; a transport URL names the run by
  itself). Each rank writes only its own history (``history/<rank>.jsonl`` in a folder,
  ``history/<rank>/<seq>.jsonl`` segments on object storage), every row carries ``_rank``, and
  each rank's state is ``ranks/<rank>.json``. Rank 0 owns ``run.json`` and ``summary.json``: at
  its finish it waits (up to ``$MEDIATYPES_GROUP_WAIT`` s, default 60) for the other ranks to
  finish — a rank whose process is gone on this host is not waited for and is marked
  ``crashed`` — then writes the summary of *all* ranks' rows (merged by step, then rank).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from typing import Any

from .. import _json
from ..errors import InvalidInputError
from .history import History, RunWarning
from .metrics import MetricRegistry, MetricSpec
from .run import Config, Run, _config_dict

__all__ = ["GROUPS", "DisabledRun", "group_run_id", "resolve_ranks", "wait_for_ranks"]

GROUPS = (None, "rank0", "shared")
RANK_SCHEMA_VERSION = 1
_warned = [False]


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInputError(
            f"init: the environment variable {name} expects an integer; got {raw!r}."
        ) from None


def resolve_ranks(rank: Any, world_size: Any) -> tuple[int, int]:
    """``(rank, world_size)`` from the arguments, else ``RANK``/``LOCAL_RANK``/``WORLD_SIZE``."""
    for name, value in (("rank", rank), ("world_size", world_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidInputError(f"init: `{name}` expects an int; got {value!r}.")
    r = rank if rank is not None else _env_int("RANK")
    if r is None:
        r = _env_int("LOCAL_RANK")
    w = world_size if world_size is not None else _env_int("WORLD_SIZE")
    r = 0 if r is None else r
    w = max(1, r + 1) if w is None else w
    if w < 1 or not 0 <= r < w:
        raise InvalidInputError(
            f"init: expects 0 <= rank < world_size; got rank {r} and world_size {w} (from the "
            "arguments or RANK/LOCAL_RANK/WORLD_SIZE)."
        )
    return r, w


def group_run_id(given: str | None, transport: Any) -> str | None:
    """The run id every rank of a shared run agrees on, or None when nothing names it."""
    if given:
        return given
    for name in ("MEDIATYPES_RUN_ID", "TORCHELASTIC_RUN_ID"):
        value = os.environ.get(name, "").strip()
        if value and value != "none":  # torchrun's default when no --rdzv-id is given
            return value
    if isinstance(transport, str) and "://" in transport:  # the URL names the run
        tail = transport.rstrip("/").rsplit("/", 1)[-1]
        return tail or None
    return None


def rank_state(rank: int, world_size: int, state: str, started_at: float, **extra: Any) -> bytes:
    doc = {
        "schema_version": RANK_SCHEMA_VERSION,
        "rank": rank,
        "world_size": world_size,
        "state": state,
        "started_at": started_at,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        **extra,
    }
    return _json.dumps(doc, indent=True)


def wait_for_ranks(files: Any, world_size: int, timeout: float) -> tuple[list[int], list[int]]:
    """Wait until every rank other than 0 has finished (or is gone); returns (finished ranks,
    ranks still missing when the wait ended). A rank whose process on this host has died is
    marked ``crashed`` in its state file and not waited for."""
    from .reader import live_writer, read_json

    deadline = time.monotonic() + timeout
    pause = 0.05
    done: dict[int, bool] = {0: True}
    while True:
        for r in range(1, world_size):
            if r in done:
                continue
            state = read_json(files, f"ranks/{r}.json")
            if not isinstance(state, dict):
                continue
            if state.get("state") in ("finished", "failed", "crashed"):
                done[r] = state.get("state") != "crashed"
            elif _gone(state, live_writer):
                state.update(state="crashed", finished_at=time.time())
                files.replace(f"ranks/{r}.json", _json.dumps(state, indent=True))
                done[r] = False
        if len(done) == world_size or time.monotonic() > deadline:
            break
        time.sleep(pause)
        if files.local is None:  # on object storage every look is a request or two: back off
            pause = min(2 * pause, 0.5)
    finished = sorted(r for r, ok in done.items() if ok)
    missing = sorted(set(range(world_size)) - set(done))
    return finished, missing


def _gone(state: dict[str, Any], live_writer: Any) -> bool:
    """True when the rank's process ran on this host and is no longer alive."""
    pid = state.get("pid")
    if state.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return False
    return live_writer(state) is None or _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet still answers kill(pid, 0)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def warn_disabled(rank: int, world_size: int) -> None:
    if _warned[0]:
        return
    _warned[0] = True
    warnings.warn(
        f"init: this process is rank {rank} of {world_size}; only rank 0 logs by default, so "
        "this run ignores log(), summary and finish(). Pass group='shared' to log from every "
        "rank into one run.",
        RunWarning,
        stacklevel=3,
    )


class DisabledRun(Run):
    """The run of a rank that does not log: same surface as ``Run``, every call a cheap no-op."""

    disabled = True

    def __init__(  # deliberately not Run.__init__: no transport, no threads, no files
        self, *, id: str, name: str | None, project: str | None, config: Any, rank: int, world: int
    ) -> None:
        self.transport = None  # type: ignore[assignment]
        self.id = id
        self.name = name or id
        self.project = project
        self.rank = rank
        self.world_size = world
        self.config = Config(_config_dict(config))
        self.summary = {}  # type: ignore[assignment]
        self.metrics = MetricRegistry()
        self._finished = False
        self._owner_pid = os.getpid()
        self.history = History(
            lock=threading.Lock(),
            emit=lambda row, media: None,
            metrics=self.metrics,
            start_time=time.time(),
        )

    @property
    def dir(self) -> None:
        return None

    def log(self, data: Any, step: Any = None, commit: Any = None, **kwargs: Any) -> None:
        """Does nothing (this rank does not log)."""

    def define_metric(self, name: str, step_metric: str | None = None, **kwargs: Any) -> MetricSpec:
        return self.metrics.define(name, step_metric, **kwargs)

    def watch(self, model: Any, *args: Any, **kwargs: Any) -> None:
        """Does nothing (this rank does not log)."""

    def unwatch(self, model: Any = None) -> None:
        """Does nothing."""

    def flush(self) -> None:
        """Does nothing."""

    def finish(self, exit_code: int | None = None) -> None:
        self._finished = True
        from . import run as runmod

        if runmod._current is self:
            runmod._current = None

    def __repr__(self) -> str:
        return f"<DisabledRun rank {self.rank} of {self.world_size}>"
