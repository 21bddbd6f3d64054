"""``init`` / ``Run`` / ``finish``: the run object and the module-level functions on the current run.

>>> with mediatypes.init(dir="runs", project="demo", config={"lr": 0.1}) as run:  # doctest: +SKIP
...     for i in range(10):
...         run.log({"loss": 1 / (i + 1)})
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import socket
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from .. import __version__, _json
from ..errors import InvalidInputError, InvalidTypeError, MediaError, RunError, TransportError
from ..transports import (
    DirectoryTransport,
    MemoryTransport,
    Transport,
    TransportContext,
    resolve,
)
from .capture import Capture, command_info
from .history import History, RunWarning, encode_nonfinite
from .metrics import MetricRegistry, MetricSpec
from .summary import Summary
from .writer import Writer

__all__ = [
    "Config",
    "Run",
    "current_run",
    "current_summary",
    "define_metric",
    "finish",
    "init",
    "log",
    "unwatch",
    "watch",
]

RUN_SCHEMA_VERSION = 1
SUMMARY_EVERY = 1.0  # seconds between background summary.json rewrites (always at finish)
_RESUME = {
    None: "never",
    False: "never",
    True: "allow",
    "never": "never",
    "allow": "allow",
    "must": "must",
}

_current: Run | None = None
_live: weakref.WeakSet[Run] = weakref.WeakSet()
_hooks_lock = threading.Lock()
_hooks_installed = False


class Config(dict[str, Any]):
    """Run configuration: a dict with attribute access; changes are saved to ``run.json``."""

    def __init__(self, data: dict[str, Any], on_change: Any = None) -> None:
        super().__init__(data)
        object.__setattr__(self, "_on_change", on_change)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __setitem__(self, key: str, value: Any) -> None:
        _check_json(f"config[{key!r}]", value)
        super().__setitem__(key, value)
        if self._on_change is not None:
            self._on_change()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v


def _check_json(what: str, value: Any) -> None:
    try:
        _json.dumps(value)
    except TypeError as exc:
        raise InvalidTypeError(
            f"init: `{what}` must be JSON-serializable (numbers, str, bool, None, lists, dicts); "
            f"got {type(value).__name__}: {exc}."
        ) from None


def _config_dict(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, dict):
        data = dict(config)
    elif callable(getattr(config, "flag_values_dict", None)):
        data = dict(config.flag_values_dict())  # absl / tf.app flags (the seeds' flags.FLAGS)
    elif hasattr(config, "__dict__") and not isinstance(config, type):
        data = dict(vars(config))  # argparse.Namespace and similar
    else:
        raise InvalidTypeError(
            f"init: `config` expects a dict, an argparse.Namespace or absl flags; got "
            f"{type(config).__name__}."
        )
    for k, v in data.items():
        if not isinstance(k, str):
            raise InvalidTypeError(f"init: `config` keys must be str; got {k!r}.")
        _check_json(f"config[{k!r}]", v)
    return data


def _new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class Run:
    """One run: ``log`` rows, ``summary``, ``config``, ``define_metric``, ``finish``.

    Create it with :func:`init`. Use it as a context manager to finish it (an exception inside
    the block is recorded as ``exit_code`` 1).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        id: str,
        name: str | None = None,
        project: str | None = None,
        config: Any = None,
        resume: Any = None,
        late_step_policy: str = "keep",
        console: bool = True,
        system_metrics: bool = True,
        git: bool = True,
        packages: bool = True,
        command: bool = True,
        system_interval: float = 15.0,
        media_workers: int = 2,
        max_pending_media: int = 256,
        flush_interval: float = 0.025,
        start_time: float | None = None,
        rank: int | None = None,
        world_size: int = 1,
    ) -> None:
        try:
            mode = _RESUME[resume]
        except (KeyError, TypeError):
            raise InvalidInputError(
                f"init: `resume` expects None, True, False, 'allow', 'must' or 'never'; got {resume!r}."
            ) from None
        self.transport = transport
        self.id = id
        self._lock = threading.Lock()
        self._finish_lock = threading.Lock()
        self._finished = False
        self._owner_pid = os.getpid()  # a forked child never finishes its parent's run at exit
        self._meta_dirty = False
        self._last_summary_write = 0.0
        # group="shared": this process's rank (every row gets ``_rank``); None: the only writer
        self._rank = rank
        self._world_size = world_size
        self._warned_summary = False
        if rank is not None:
            if not getattr(transport, "supports_ranks", False):
                raise InvalidInputError(
                    f"init: group='shared' needs a transport that several processes can write "
                    f"into (a run folder or object storage); {transport!r} cannot."
                )
            if mode != "never":
                raise InvalidInputError(
                    "init: resume is not supported with group='shared'; start a new run."
                )
            transport.rank = rank
        exists = transport.exists() if not rank else False  # ranks > 0 join rank 0's run
        if exists and mode == "never":
            raise RunError(
                f"init: a run already exists at {transport.url}; pass resume='allow' to continue "
                f"it, or choose another `id`."
            )
        if not exists and mode == "must":
            raise RunError(f"init: resume='must' but no run exists at {transport.url}.")
        resuming = exists
        prior: dict[str, Any] = {}
        if resuming:
            prior = self._prepare_resume()
        # start_time: importers keep the wall time another tool recorded
        self.start_time = float(prior.get("started_at") or start_time or time.time())
        self.metrics = MetricRegistry.from_json(prior.get("metrics"))
        cfg = dict(prior.get("config") or {})
        cfg.update(_config_dict(config))
        self.config = Config(cfg, self._touch_meta)
        self.name = name or prior.get("name") or id
        self.project = project if project is not None else prior.get("project")
        self.summary = Summary(
            self.metrics, store=transport.media_store, lock=self._lock, on_change=self._summary_set
        )
        step, kinds = 0, dict[str, str]()
        if resuming:
            from .reader import replay

            source = transport.dir / "history.jsonl" if transport.dir is not None else None
            step, kinds = replay(source or transport.read("history.jsonl") or b"", self.summary)
            self.summary.restore_explicit(prior.get("_explicit_values") or {})
        self._meta: dict[str, Any] = {
            "schema_version": RUN_SCHEMA_VERSION,
            "id": id,
            "name": self.name,
            "project": self.project,
            "state": "running",
            "exit_code": None,
            "started_at": self.start_time,
            "finished_at": None,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "mediatypes_version": __version__,
            "late_step_policy": late_step_policy,
            "resumed": int(prior.get("resumed", -1)) + 1 if resuming else 0,
            "capture": {
                "console": console,
                "system_metrics": system_metrics,
                "git": git,
                "packages": packages,
                "command": command,
            },
            "command": command_info() if command else prior.get("command"),
            "git": prior.get("git"),
        }
        if rank is not None:
            self._meta["group"] = {"mode": "shared", "world_size": world_size}
        self.history = History(
            lock=self._lock,
            emit=self._emit,
            metrics=self.metrics,
            start_time=self.start_time,
            late_policy=late_step_policy,
            step=step,
            kinds=kinds,
        )
        transport.open(resume=resuming)
        self._write_meta()
        if rank is not None:
            self._write_rank_state("running")
        # before the writer: its thread may tick (``_tick`` flushes the capture) at once
        self._capture = Capture(
            transport,
            console=console,
            system_metrics=system_metrics,
            git=git and not rank,  # the same for every rank: rank 0 records it
            packages=packages and not rank,
            interval=system_interval,
            on_meta=self._set_meta,
        )
        self._writer = Writer(
            transport,
            lock=self._lock,
            workers=media_workers,
            max_pending=max_pending_media,
            interval=flush_interval,
            on_tick=self._tick,
            before_rows=self._write_meta_if_dirty,
        )
        self._errors = self._writer.errors
        self._capture.start()
        _live.add(self)
        _install_hooks()

    # ---- properties -------------------------------------------------------------------------
    @property
    def dir(self) -> Path | None:
        """The run's folder (``None`` for transports that keep nothing on disk)."""
        return self.transport.dir

    @property
    def step(self) -> int:
        """The step the next committed row will get."""
        return self.history.current_step

    @property
    def finished(self) -> bool:
        return self._finished

    # ---- logging ----------------------------------------------------------------------------
    def log(
        self,
        data: dict[str, Any],
        step: int | None = None,
        commit: bool | None = None,
        *,
        complete: bool | None = None,
    ) -> None:
        """Log a dict of values to the current step (SPEC §5; see ``mediatypes.runs.history``).

        >>> run.log({"loss": 0.3, "examples": [mt.Image(x)]})  # doctest: +SKIP
        """
        if self._errors:
            self._raise_pending()
        if self._finished:
            raise RunError(f"log: run {self.id!r} is finished; start a new one with init().")
        if complete is not None:
            if commit is not None and bool(commit) != bool(complete):
                raise InvalidInputError(
                    "log: `commit` and its older alias `complete` disagree; pass only `commit`."
                )
            commit = complete
        self.history.log(data, step, commit)

    def _emit(self, row: dict[str, Any], media: list[str]) -> None:
        # Called by History under self._lock, in commit order.
        if self._rank is not None:
            row["_rank"] = self._rank
        self.summary.observe(row)
        if media:
            self._writer.put_row(row, media)
        else:
            self._writer.put_line(row)

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        *,
        summary: str | None = None,
        goal: str | None = None,
        objective: str | None = None,
        hidden: bool = False,
        step_sync: bool | None = None,
    ) -> MetricSpec:
        """Define a custom x-axis and/or summary for a metric name or a ``prefix*`` glob.

        >>> run.define_metric("val/*", step_metric="epoch", summary="max")  # doctest: +SKIP
        """
        with self._lock:
            spec = self.metrics.define(
                name,
                step_metric,
                summary=summary,
                goal=goal,
                objective=objective,
                hidden=hidden,
                step_sync=step_sync,
            )
        self._touch_meta()
        return spec

    def watch(
        self, model: Any, log: str | None = "gradients", log_freq: int = 100, **kwargs: Any
    ) -> Any:
        """Histograms of a PyTorch model's gradients/parameters every ``log_freq`` backward
        passes (``mediatypes.runs.watch``).

        >>> run.watch(model, log="all", log_freq=50)  # doctest: +SKIP
        """
        from .watch import watch

        return watch(self, model, log, log_freq, **kwargs)

    def unwatch(self, model: Any = None) -> None:
        """Remove the hooks of ``model`` (all watched models when None)."""
        from .watch import unwatch

        unwatch(self, model)

    # ---- background ticks -------------------------------------------------------------------
    def _touch_meta(self) -> None:
        self._meta_dirty = True

    def _summary_set(self) -> None:
        if self._rank and not self._warned_summary:
            self._warned_summary = True
            warnings.warn(
                f"summary: rank {self._rank} does not write the summary of a shared run (rank 0 "
                "owns it); log the value instead, or set it on rank 0.",
                RunWarning,
                stacklevel=4,
            )
        self._touch_meta()

    def _set_meta(self, key: str, value: Any) -> None:
        self._meta[key] = value
        self._meta_dirty = True

    def _meta_doc(self) -> dict[str, Any]:
        meta = dict(self._meta)
        meta["config"] = dict(self.config)
        meta["metrics"] = self.metrics.to_json()
        meta["summary_explicit"] = self.summary.explicit_keys()
        return meta

    def _write_meta(self) -> None:
        self._meta_dirty = False
        if self._rank:  # rank 0 owns run.json; other ranks have ranks/<rank>.json
            return
        self.transport.set_meta(_json.dumps(encode_nonfinite(self._meta_doc()), indent=True))

    def _write_rank_state(self, state: str, **extra: Any) -> None:
        from .ranks import rank_state

        assert self._rank is not None
        data = rank_state(self._rank, self._world_size, state, self.start_time, **extra)
        self.transport.set_rank_state(self._rank, data)

    def _write_meta_if_dirty(self) -> None:
        # run.json reaches the transport before the rows logged after a define_metric() or a
        # config change, so a run killed in between is recovered with its metric definitions
        if self._meta_dirty:
            self._write_meta()

    def _write_summary(self, wait: bool) -> None:
        self.summary.dirty = False
        if self._rank:
            return
        data = self.summary.to_dict(wait=wait)
        self.transport.set_summary(_json.dumps(encode_nonfinite(data), indent=True))

    def _tick(self) -> None:
        self._capture.flush()
        now = time.monotonic()
        if self.summary.dirty and now - self._last_summary_write >= SUMMARY_EVERY:
            self._last_summary_write = now
            self._write_summary(wait=False)
        if self._meta_dirty:
            self._write_meta()
        self.transport.sync()  # object storage: cut a segment when one is due

    def flush(self) -> None:
        """Write everything committed so far (waiting for pending media) and the summary; on
        object storage this also cuts a history segment now."""
        self._writer.flush()
        self._capture.flush()
        try:
            self.transport.sync(force=True)
        except TransportError as exc:
            if getattr(exc, "retained", False):  # the same outage, told now: not again at log()
                for _ in range(len(self._errors)):
                    queued = self._errors.popleft()
                    if not getattr(queued[2], "retained", False):
                        self._errors.append(queued)
            raise
        self._write_summary(wait=True)
        if self._meta_dirty:
            self._write_meta()

    def _raise_pending(self) -> None:
        key, step, exc = self._errors.popleft()
        self._errors.clear()
        where = f"`{key}` at step {step}" if key else "the run's background writer"
        if isinstance(exc, MediaError):
            if key and hasattr(exc, "add_note"):
                exc.add_note(f"(raised while writing {where} in the background)")
            raise exc
        from ..errors import EncodingError

        raise EncodingError(f"writing {where} failed: {type(exc).__name__}: {exc}") from exc

    # ---- finishing --------------------------------------------------------------------------
    def finish(self, exit_code: int | None = None) -> None:
        """Commit the open row, wait for all media, write summary and run metadata, close.

        Raises the first background encoding error (after finishing the run) if one is pending.
        """
        with self._finish_lock:
            if self._finished:
                return
            self._finished = True
        if "mediatypes.runs.watch" in sys.modules:  # remove watch hooks before the last commit
            sys.modules["mediatypes.runs.watch"].unwatch(self)
        code = 0 if exit_code is None else int(exit_code)
        try:
            self.history.commit(close=True)
            self._writer.close()
            self._capture.stop()
            with _kept():
                self.transport.sync(force=True)  # every row stored before the state says so
            state = "finished" if code == 0 else "failed"
            if self._rank is not None:
                with _kept():
                    self._write_rank_state(
                        state,
                        exit_code=code,
                        finished_at=time.time(),
                        rows=self.history.current_step,
                    )
                if self._rank == 0:
                    self._finish_group()
            with _kept():
                self._write_summary(wait=True)
            self._meta.update(state=state, exit_code=code, finished_at=time.time())
            with _kept():
                self._write_meta()
        finally:
            self.transport.close()
            _forget(self)
        # everything is stored now: failures the transport retried since are no news
        while self._errors and getattr(self._errors[0][2], "retained", False):
            self._errors.popleft()
        if self._errors:
            self._raise_pending()

    def _finish_group(self) -> None:
        """Rank 0 of a shared run: wait for the other ranks, then summarize every rank's rows."""
        from .ranks import wait_for_ranks
        from .reader import history_rows, replay

        files = self.transport.run_files()
        if files is None:
            return
        wait = float(os.environ.get("MEDIATYPES_GROUP_WAIT", "60"))
        finished, missing = wait_for_ranks(files, self._world_size, wait)
        self._meta["group"] = {
            "mode": "shared",
            "world_size": self._world_size,
            "finished_ranks": finished,
            "missing_ranks": missing,
        }
        merged = Summary(self.metrics, store=self.transport.media_store, lock=threading.Lock())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunWarning)
            replay(history_rows(files), merged)
        own = self.summary.to_dict(wait=True)
        merged.restore_explicit({k: own[k] for k in self.summary.explicit_keys() if k in own})
        self.summary = merged

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exit_code=_exit_status(exc))

    def __repr__(self) -> str:
        state = "finished" if self._finished else "running"
        return f"<Run {self.id!r} {state} at {self.transport.url}>"

    # ---- resume -----------------------------------------------------------------------------
    def _prepare_resume(self) -> dict[str, Any]:
        raw = self.transport.read("run.json")
        prior: dict[str, Any] = dict(_json.loads(raw)) if raw else {}
        from .reader import live_writer, recover

        if live_writer(prior) is not None:
            raise RunError(
                f"init: the run at {self.transport.url} is still being written by process "
                f"{prior.get('pid')}; finish it first."
            )
        files = self.transport.run_files()
        if files is not None and prior.get("state") == "running":
            recover(files)
        summary_raw = self.transport.read("summary.json")
        if summary_raw:
            stored = _json.loads(summary_raw)
            prior["_explicit_values"] = {
                k: stored[k] for k in prior.get("summary_explicit", []) if k in stored
            }
        return prior


# ---- module level ---------------------------------------------------------------------------
@contextlib.contextmanager
def _kept() -> Iterator[None]:
    """Go on finishing when the transport could not store something *and kept it* (object
    storage: ``close()`` tries again and raises what is still not stored, naming its copy)."""
    try:
        yield
    except TransportError as exc:
        if not getattr(exc, "retained", False):
            raise


def _forget(run: Run) -> None:
    global _current
    _live.discard(run)
    if _current is run:
        _current = None


def _exit_status(exc: BaseException | None) -> int:
    """The exit status the process gets when ``exc`` ends it: 0 without one; ``SystemExit`` as
    Python maps it (None → 0, an int → itself, a message → 1); any other exception → 1."""
    if exc is None:
        return 0
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return 0
        return int(code) if isinstance(code, int) else 1
    return 1


# The status asked for by the last sys.exit() in the main thread (one slot): the atexit hook
# cannot see how the interpreter is ending, so sys.exit is wrapped (as the reference SDK does).
_exit_requested = [0]


def _finish_at_exit() -> None:
    _finish_all(_exit_requested[0])


def _install_hooks() -> None:
    global _hooks_installed
    with _hooks_lock:
        if _hooks_installed:
            return
        _hooks_installed = True
        atexit.register(_finish_at_exit)
        real_exit = sys.exit

        def exit_hook(status: str | int | None = None) -> NoReturn:
            if threading.current_thread() is threading.main_thread():
                _exit_requested[0] = _exit_status(SystemExit(status))
            real_exit(status)

        sys.exit = exit_hook
        previous = sys.excepthook

        def hook(tp: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
            _finish_all(1)
            previous(tp, value, tb)

        sys.excepthook = hook


def _finish_all(code: int) -> None:
    for run in list(_live):
        if run._owner_pid != os.getpid():
            continue  # inherited through os.fork(): the parent process still owns it
        try:
            run.finish(exit_code=code)
        except Exception as exc:  # pragma: no cover - best effort at interpreter exit
            print(f"mediatypes: finishing run {run.id!r} failed: {exc}", file=sys.__stderr__)


def init(
    dir: str | os.PathLike[str] | None = None,
    project: str | None = None,
    name: str | None = None,
    id: str | None = None,
    config: Any = None,
    transport: Any = None,
    resume: Any = None,
    *,
    late_step_policy: str = "keep",
    console: bool = True,
    system_metrics: bool = True,
    git: bool = True,
    packages: bool = True,
    command: bool = True,
    system_interval: float = 15.0,
    media_workers: int = 2,
    max_pending_media: int = 256,
    flush_interval: float = 0.025,
    durable: bool = False,
    storage_options: dict[str, Any] | None = None,
    group: str | None = None,
    rank: int | None = None,
    world_size: int | None = None,
) -> Run:
    """Start a run and make it the current one (``mediatypes.run``).

    The run goes to ``<dir>/<id>`` (``dir`` defaults to ``$MEDIATYPES_DIR`` or ``runs``) through
    the directory transport, unless ``transport`` is given (an object or ``"dir:path"`` /
    ``"memory:"`` / a URL such as ``"s3://bucket/prefix/run"``, whose fsspec options, e.g. an
    endpoint or credentials, are ``storage_options``). ``resume``: ``None``/``"never"`` refuses
    an existing run, ``"allow"``/``True``
    continues one if present, ``"must"`` requires it. ``late_step_policy``: what to do with a
    ``step`` smaller than the current one (``"keep"``, ``"drop"``, ``"raise"``). The capture flags
    (``console``, ``system_metrics``, ``git``, ``packages``, ``command``) each switch one part off.

    Several processes (``mediatypes.runs.ranks``): ``rank``/``world_size`` default to the
    launcher's ``RANK``/``WORLD_SIZE``. By default only rank 0 logs (other ranks get a run that
    does nothing); ``group="shared"`` makes every rank log into one run (same ``id`` on each, or
    ``$MEDIATYPES_RUN_ID``), rows tagged with ``_rank``.

    >>> run = mediatypes.init(dir="runs", project="demo", config={"lr": 0.1})  # doctest: +SKIP
    """
    global _current
    from .ranks import GROUPS, DisabledRun, group_run_id, resolve_ranks, warn_disabled

    if group not in GROUPS:
        raise InvalidInputError(
            f"init: `group` expects None or 'rank0' (only rank 0 logs) or 'shared' (every rank "
            f"logs into one run); got {group!r}."
        )
    my_rank, world = resolve_ranks(rank, world_size)
    if storage_options is not None and not (isinstance(transport, str) and "://" in transport):
        raise InvalidInputError(
            "init: `storage_options` apply to a URL transport such as 's3://bucket/run'; pass "
            "transport=... as well, or set the options on the transport object."
        )
    if group == "shared":
        id = group_run_id(id, transport)
        if id is None:
            raise InvalidInputError(
                "init: group='shared' needs the same run id on every rank; pass id=..., or set "
                "MEDIATYPES_RUN_ID (torchrun's TORCHELASTIC_RUN_ID is used when set)."
            )
    if id is not None and (
        not isinstance(id, str)
        or not id
        or "/" in id
        or "\x00" in id
        or id in (".", "..")
        or not id.isprintable()  # control characters and lone surrogates cannot name a folder
    ):
        raise InvalidInputError(f"init: `id` expects a folder-safe name; got {id!r}.")
    run_id = id or _new_id()
    if group != "shared" and my_rank != 0:
        warn_disabled(my_rank, world)
        if _current is not None and not _current.finished:
            _current.finish()
        disabled = DisabledRun(
            id=run_id, name=name, project=project, config=config, rank=my_rank, world=world
        )
        _current = disabled
        return disabled
    shared_rank = my_rank if group == "shared" else None
    base = Path(dir if dir is not None else os.environ.get("MEDIATYPES_DIR", "runs"))
    if transport is not None:
        if dir is not None and not isinstance(transport, str):
            raise InvalidInputError("init: pass either `dir` or a `transport` object, not both.")
        tr = resolve(
            transport,
            TransportContext(
                run_id=run_id,
                base_dir=base,
                dir_given=dir is not None,
                durable=durable,
                storage_options=storage_options,
                rank=shared_rank,
            ),
        )
    else:
        tr = DirectoryTransport(base / run_id, durable=durable)
    if isinstance(tr, MemoryTransport) and id is None and name is not None:
        run_id = name
    if _current is not None and not _current.finished:
        warnings.warn(
            f"init: finishing the current run {_current.id!r} before starting a new one.",
            RunWarning,
            stacklevel=2,
        )
        _current.finish()
    run = Run(
        tr,
        id=run_id,
        name=name,
        project=project,
        config=config,
        resume=resume,
        late_step_policy=late_step_policy,
        console=console,
        system_metrics=system_metrics,
        git=git,
        packages=packages,
        command=command,
        system_interval=system_interval,
        media_workers=media_workers,
        max_pending_media=max_pending_media,
        flush_interval=flush_interval,
        rank=shared_rank,
        world_size=world,
    )
    _current = run
    return run


def current_run() -> Run | None:
    """The current run (``mediatypes.run``), or None."""
    return _current


def current_summary() -> Summary | None:
    """The current run's summary (``mediatypes.summary``), or None."""
    return _current.summary if _current is not None else None


def _need_run(what: str) -> Run:
    if _current is None:
        raise RunError(f"{what}: no current run; call mediatypes.init() first.")
    return _current


def log(
    data: dict[str, Any],
    step: int | None = None,
    commit: bool | None = None,
    *,
    complete: bool | None = None,
) -> None:
    """``log`` on the current run."""
    _need_run("log").log(data, step, commit, complete=complete)


def define_metric(name: str, step_metric: str | None = None, **kwargs: Any) -> MetricSpec:
    """``define_metric`` on the current run."""
    return _need_run("define_metric").define_metric(name, step_metric, **kwargs)


def watch(model: Any, log: str | None = "gradients", log_freq: int = 100, **kwargs: Any) -> Any:
    """``watch`` on the current run: histograms of a PyTorch model's gradients/parameters."""
    return _need_run("watch").watch(model, log, log_freq, **kwargs)


def unwatch(model: Any = None) -> None:
    """``unwatch`` on the current run (no-op without one)."""
    if _current is not None:
        _current.unwatch(model)


def finish(exit_code: int | None = None) -> None:
    """Finish the current run (no-op without one)."""
    if _current is not None:
        _current.finish(exit_code)
