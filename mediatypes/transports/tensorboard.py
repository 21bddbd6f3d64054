"""``init(transport="tensorboard:LOGDIR")``: the run directory as usual, plus a live TensorBoard view.

The canonical run directory ``<dir>/<id>`` is written exactly as without this transport. One
second into the run (by a timer thread; at ``finish`` for a shorter run) a follower process is
started (``mediatypes.tensorboard.follow``) that tails the run directory and writes
``LOGDIR/<id>/events.out.tfevents.*``; the training process pays only the process start (~2 ms,
off its own thread for runs over a second), never the event encoding (see
``mediatypes.tensorboard.follow`` for why). A process killed within its first second leaves no
TensorBoard files (``mediatypes export tensorboard`` writes them from the run directory).

With ``init(group="shared")`` every rank's process starts a follower of its own history
(``history/<rank>.jsonl``) writing ``LOGDIR/<id>/rank-<rank>/``, the layout ``mediatypes export
tensorboard`` writes for such a run: TensorBoard keeps one value per step in a series, so the
ranks cannot share one.

``finish()`` does not wait for the follower: the event file is complete a moment after the run
ends (the follower reads the run once a second). To wait - e.g. before reading the logdir in the same
script - call ``run.transport.wait()``; it raises :class:`~mediatypes.errors.TransportError` if
the follower failed (its log is ``LOGDIR/<id>/.mediatypes-follow.log``). The follower lives in
its own session, so it also completes the event file after the training process has exited
(or was killed: the session then ends with status failure).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, MissingDependencyError, TransportError
from .tee import TeeTransport, canonical_for

__all__ = ["TensorBoardTransport", "from_url"]

LOG_NAME = ".mediatypes-follow.log"
START_AFTER = 1.0  # seconds into the run before the follower is started (close() starts it too)
# The follower's first second is a sleep (see follow.POLL); site-packages and everything else are
# imported after it, so a short run ends before the follower has used any CPU.
_BOOT = (
    "import sys, time; time.sleep(1.0); import site; site.main(); "
    "from mediatypes.tensorboard.follow import main; sys.exit(main(sys.argv[1:]))"
)
# A row holding one of these has a value TensorBoard cannot show (see summaries.NO_FORM).
_NEEDLES = (b'"_type":"html-file"', b'"_type":"molecule-file"', b'"_type":"plotly-file"')
_ITEM_NEEDLES = (b'"item_type":"html-file"', b'"item_type":"molecule-file"', b'"item_type":"plotly-file"')  # fmt: skip


class TensorBoardTransport(TeeTransport):
    """Writes the run directory ``canonical`` and, through a follower process, the TensorBoard
    run folder ``tb_dir`` (``tb_dir/rank-<r>`` for each rank of a ``group="shared"`` run: each
    rank's process starts a follower of its own history)."""

    supports_ranks = True

    def __init__(self, canonical: Any, tb_dir: str | os.PathLike[str]) -> None:
        self.tb_dir = Path(tb_dir)
        super().__init__(canonical, f"tensorboard:{self.tb_dir.parent}")
        self.process: subprocess.Popen[bytes] | None = None
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._start_error: TransportError | None = None
        self._command: list[str] = []
        self._env: dict[str, str] = {}

    def open(self, *, resume: bool = False) -> None:
        if self.rank is not None:  # one TensorBoard run per rank: a series never goes back
            from ..tensorboard.export import rank_folder

            self.tb_dir = rank_folder(self.tb_dir, self.rank)
        try:
            self.tb_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(
                f"cannot create the TensorBoard folder {self.tb_dir}: {exc}"
            ) from exc
        if not os.access(self.tb_dir, os.W_OK):
            raise TransportError(f"the TensorBoard folder {self.tb_dir} is not writable.")
        super().open(resume=resume)
        assert self.dir is not None
        history = self.dir / "history.jsonl"
        system = self.dir / "files" / "system.jsonl"
        offset = history.stat().st_size if resume else 0  # resumed: only the new rows
        system_offset = system.stat().st_size if resume and system.is_file() else 0
        root = str(Path(__file__).resolve().parents[2])  # the same mediatypes as this process
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._command = [
            sys.executable,
            "-S",  # no site import yet: the start costs the training process ~nothing
            "-c",
            _BOOT,
            str(self.dir),
            str(self.tb_dir),
            "--pid",
            str(os.getpid()),
            "--offset",
            str(offset),
            "--system-offset",
            str(system_offset),
        ]
        if self.rank is not None:
            self._command += ["--rank", str(self.rank)]
        self._env = env
        # Started START_AFTER seconds into the run (a timer thread), or by close() if the run is
        # shorter: a short run's logging never shares the CPU with the follower's start.
        self._timer = threading.Timer(START_AFTER, self._start_quietly)
        self._timer.daemon = True
        self._timer.start()

    def _start(self) -> None:
        with self._lock:
            if self.process is not None:
                return
            try:
                with open(self.tb_dir / LOG_NAME, "ab") as log:
                    self.process = subprocess.Popen(
                        self._command,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        start_new_session=True,  # survives the training process and its Ctrl-C
                        env=self._env,
                    )
            except OSError as exc:
                raise TransportError(f"cannot start the TensorBoard follower: {exc}") from exc
        from ..tensorboard.follow import background

        background(self.process.pid)  # at once, not only once the child has started Python

    def _start_quietly(self) -> None:
        try:
            self._start()
        except TransportError as exc:  # raised by wait(); the run directory is unaffected
            self._start_error = exc

    def close(self) -> None:
        self.canonical.close()
        timer = self._timer
        if timer is not None:
            timer.cancel()
            self._timer = None
            self._start()

    def append_rows(self, data: bytes) -> None:
        self.canonical.append_rows(data)
        if b"_type" in data and any(n in data for n in (*_NEEDLES, *_ITEM_NEEDLES)):
            self._warn_no_form(data)

    def _warn_no_form(self, data: bytes) -> None:
        from .. import _json
        from ..tensorboard.events import TensorBoardWarning
        from ..tensorboard.summaries import NO_FORM

        for line in data.splitlines():
            if not any(n in line for n in (*_NEEDLES, *_ITEM_NEEDLES)):
                continue
            for key, v in _json.loads(line).items():
                kind = v.get("item_type") or v.get("_type") if isinstance(v, dict) else None
                if kind in NO_FORM and key not in self._warned:
                    self._warned.add(key)
                    warnings.warn(
                        f"TensorBoard: `{key}` is a {kind}, which has no TensorBoard form; it is "
                        f"kept in the run directory and left out of {self.tb_dir}.",
                        TensorBoardWarning,
                        stacklevel=2,
                    )

    def wait(self, timeout: float | None = None) -> None:
        """Block until the follower has written the whole run (call after ``finish()``)."""
        if self._start_error is not None:
            raise self._start_error
        proc = self.process
        if proc is None:
            return
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise TransportError(
                f"the TensorBoard follower (pid {proc.pid}) is still writing {self.tb_dir} "
                f"after {timeout} s."
            ) from exc
        if code != 0:
            raise TransportError(
                f"the TensorBoard follower failed (exit status {code}) writing {self.tb_dir}: "
                f"{self.follower_log()[-2000:].strip() or 'no message'}. The run directory "
                f"{self.dir} is complete; `mediatypes export tensorboard {self.dir} "
                f"{self._logdir()}` writes the TensorBoard files again."
            )

    def _logdir(self) -> Path:
        return self.tb_dir.parent if self.rank is None else self.tb_dir.parent.parent

    def follower_log(self) -> str:
        """What the follower reported (skipped values, errors)."""
        try:
            return (self.tb_dir / LOG_NAME).read_text(errors="replace")
        except FileNotFoundError:
            return ""


def from_url(rest: str, context: Any) -> TensorBoardTransport:
    """``"tensorboard:LOGDIR"`` → the run directory ``<dir>/<id>`` plus ``LOGDIR/<id>``."""
    if not rest:
        raise InvalidInputError(
            "init: `transport` 'tensorboard:' needs a logdir, e.g. 'tensorboard:tb'."
        )
    if not getattr(context, "run_id", ""):
        raise InvalidInputError(
            "init: the 'tensorboard:' transport needs the run id; use it through "
            "mediatypes.init(transport='tensorboard:LOGDIR')."
        )
    for module, dist in (("tensorboard", "tensorboard"), ("google_crc32c", "google-crc32c")):
        if importlib.util.find_spec(module) is None:  # checked without importing (init stays fast)
            raise MissingDependencyError(
                f"init: transport 'tensorboard:' needs the optional dependency '{dist}', which is "
                f"not installed. Install it with: pip install 'mediatypes[tensorboard]'"
            )
    return TensorBoardTransport(canonical_for(context), Path(rest) / context.run_id)
