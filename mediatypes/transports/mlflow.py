"""``init(transport="mlflow:TRACKING_URI")``: the run directory as usual, mirrored to an MLflow run.

The canonical run directory ``<dir>/<id>`` is written exactly as without this transport; a
background thread replays each call into MLflow (``mlflow-skinny``'s ``MlflowClient``):

* the experiment is the run's ``project`` (``Default`` without one), the MLflow run name its
  ``name``; tags ``mediatypes.run_id`` and ``mediatypes.run_dir`` point back at the run directory
  (``resume`` continues the MLflow run with the same ``mediatypes.run_id``);
* params: the config, nested keys flattened as ``a/b``; values are ``str()``-ed (lists and dicts
  as JSON). A value longer than MLflow's limit (6,000 characters) is cut there and marked ``…``;
  the whole config is the artifact ``run.json``. A key changed after it was logged keeps its
  first value (MLflow params cannot change; one warning);
* metrics: every number (bool as 0/1) with ``step = _step`` (the row's step, not a
  ``define_metric`` step metric: MLflow has one x-axis per metric and ``_step`` is always there)
  and ``timestamp = _timestamp`` in ms, sent in ``log_batch`` calls of at most 1,000;
* media and charts: every file a manifest references is uploaded at its path in the run
  directory (``media/<key>_<hash>.<ext>``, so the artifact root mirrors the run and manifest paths
  resolve against it; a table's media cells too), and the manifest beside it as
  ``media/<key>_step<step>.manifest.json``;
* at ``finish``: the summary as tags ``summary/<key>`` (JSON) plus, for numbers never logged as
  metrics, a final metric; ``run.json`` and ``summary.json`` as artifacts; status ``FINISHED``
  (exit code 0), ``KILLED`` (130, 137, 143: interrupt or kill signals) or ``FAILED``.

Several processes: with the default group only rank 0 mirrors (other ranks get a run that does
nothing and never contact MLflow); ``group="shared"`` is refused at ``init`` (one MLflow run
cannot hold several ranks' values for one step).

Failures: an unreachable tracking server is a :class:`~mediatypes.errors.TransportError` at
``init`` (checked before the run directory is created). A failure later (server gone, artifact
upload refused) stops the mirroring, warns once, and is raised by ``finish()`` as a
``TransportError`` naming the cause - after the run directory was completely written. Unless you
set them, the transport lowers MLflow's HTTP retries (``MLFLOW_HTTP_REQUEST_MAX_RETRIES=2``,
``..._BACKOFF_FACTOR=1``, ``..._TIMEOUT=30``) so a dead server fails in seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import posixpath
import queue
import threading
import time
import urllib.error
import urllib.request
import warnings
from typing import Any

from ..errors import InvalidInputError, TransportError
from .tee import TeeTransport, canonical_for

__all__ = ["MLflowTransport", "from_url"]

MAX_METRICS = 1000  # MlflowClient.log_batch limits (mlflow.utils.validation)
MAX_PARAMS = 100
MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 8000
_ENV = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
_KILLED = (130, 137, 143)


class MLflowWarning(UserWarning):
    """Something could not be mirrored to MLflow as it is in the run directory."""


class MLflowTransport(TeeTransport):
    """Writes the run directory ``canonical`` and mirrors the run to MLflow at ``tracking_uri``."""

    def __init__(self, canonical: Any, tracking_uri: str) -> None:
        super().__init__(canonical, f"mlflow:{tracking_uri}")
        self.tracking_uri = tracking_uri
        self.run_id: str | None = None  # the MLflow run id, once created
        self.error: BaseException | None = None
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._resume = False
        self._params: dict[str, str] = {}
        self._metric_keys: set[str] = set()
        self._uploaded: set[str] = set()
        self._warned: set[str] = set()
        self._last_step = 0
        self._summary: bytes | None = None
        self._meta: dict[str, Any] = {}

    # ---- the transport protocol (the run directory first, always) --------------------------
    def open(self, *, resume: bool = False) -> None:
        for k, v in _ENV.items():
            os.environ.setdefault(k, v)
        self._check_reachable()
        from .._optional import require

        tracking = require("mlflow.tracking", "transport 'mlflow:'")
        self._client = tracking.MlflowClient(tracking_uri=self.tracking_uri)
        try:
            self._client.search_experiments(max_results=1)
        except Exception as exc:
            raise TransportError(
                f"cannot use the MLflow tracking store {self.tracking_uri!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        super().open(resume=resume)
        self._resume = resume
        self._thread = threading.Thread(target=self._loop, name="mediatypes-mlflow", daemon=True)
        self._thread.start()

    def append_rows(self, data: bytes) -> None:
        self.canonical.append_rows(data)
        self._queue.put(("rows", data))

    def set_meta(self, data: bytes) -> None:
        self.canonical.set_meta(data)
        self._queue.put(("meta", data))

    def set_summary(self, data: bytes) -> None:
        self.canonical.set_summary(data)
        self._summary = data  # only the last one matters

    def close(self) -> None:
        self.canonical.close()
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(("close", None))
        thread.join()
        if self.error is not None:
            exc = self.error
            raise TransportError(
                f"mirroring the run to MLflow at {self.tracking_uri!r} failed: "
                f"{type(exc).__name__}: {exc}. The run directory {self.dir} is complete."
            ) from exc

    # ---- the mirroring thread ----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            kind, data = self._queue.get()
            if self.error is not None and kind != "close":
                continue  # broken: keep draining, the run directory has everything
            try:
                if kind == "meta":
                    self._on_meta(data)
                elif kind == "rows":
                    self._on_rows(data)
                else:
                    self._on_close()
                    return
            except Exception as exc:
                if self.error is None:
                    self.error = exc
                    warnings.warn(
                        f"mirroring the run to MLflow at {self.tracking_uri!r} failed "
                        f"({type(exc).__name__}: {exc}); the run directory is still written and "
                        "finish() will raise TransportError.",
                        MLflowWarning,
                        stacklevel=1,
                    )
                if kind == "close":
                    return

    def _on_meta(self, data: bytes) -> None:
        from .. import _json

        meta = _json.loads(data)
        self._meta = meta
        if self.run_id is None:
            self.run_id = self._start_run(meta)
        self._log_params(meta.get("config") or {})

    def _start_run(self, meta: dict[str, Any]) -> str:
        client = self._client
        name = meta.get("project") or "Default"
        experiment = client.get_experiment_by_name(name)
        exp_id = experiment.experiment_id if experiment else client.create_experiment(name)
        ours = str(meta.get("id"))
        if self._resume:
            found = client.search_runs(
                [exp_id], filter_string=f"tags.`mediatypes.run_id` = '{ours}'", max_results=1
            )
            if found:
                run_id = str(found[0].info.run_id)
                client.update_run(run_id, status="RUNNING")
                self._params = dict(found[0].data.params)  # logged params cannot change
                return run_id
        run = client.create_run(
            exp_id,
            start_time=int(float(meta.get("started_at") or time.time()) * 1000),
            tags={"mediatypes.run_id": ours, "mediatypes.run_dir": str(self.dir)},
            run_name=str(meta.get("name") or ours),
        )
        return str(run.info.run_id)

    def _log_params(self, config: dict[str, Any]) -> None:
        from mlflow.entities import Param

        from ..tensorboard.summaries import flatten_config

        new: list[Any] = []
        for key, value in flatten_config(config).items():
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) > MAX_PARAM_LENGTH:
                text = text[: MAX_PARAM_LENGTH - 1] + "…"
                self._warn(key, f"config `{key}` is longer than MLflow's {MAX_PARAM_LENGTH} "
                           "characters; the param is cut (run.json has it whole)")  # fmt: skip
            name = _name(key)
            if name in self._params:
                if self._params[name] != text:
                    self._warn(name, f"config `{key}` changed after it was logged; MLflow keeps "
                               "the first value (run.json has the new one)")  # fmt: skip
                continue
            self._params[name] = text
            new.append(Param(name, text))
        for i in range(0, len(new), MAX_PARAMS):
            self._client.log_batch(self.run_id, params=new[i : i + MAX_PARAMS])

    def _on_rows(self, data: bytes) -> None:
        from mlflow.entities import Metric

        from .. import _json
        from ..core.media import file_refs
        from ..core.store import sanitize_key
        from ..runs.history import decode_value

        metrics: list[Any] = []
        for line in data.splitlines():
            row = _json.loads(line)
            step, ts = int(row["_step"]), int(float(row["_timestamp"]) * 1000)
            self._last_step = max(self._last_step, step)
            for key, v in row.items():
                if key in ("_step", "_timestamp", "_runtime"):
                    continue
                v = decode_value(v)
                if isinstance(v, (bool, int, float)):
                    name = _name(key)
                    self._metric_keys.add(key)
                    metrics.append(Metric(name, float(v), ts, step))
                    if len(metrics) == MAX_METRICS:
                        self._client.log_batch(self.run_id, metrics=metrics)
                        metrics = []
                elif isinstance(v, dict) and "_type" in v:
                    for ref in file_refs(v):
                        self._upload(ref["path"])
                    if v.get("media_cells"):  # a table's cells point at files of their own
                        assert self.dir is not None
                        cells = _json.loads((self.dir / v["path"]).read_bytes()).get("data")
                        for ref in file_refs(cells):
                            self._upload(ref["path"])
                    self._client.log_text(
                        self.run_id,
                        json.dumps(v, indent=1),
                        f"media/{sanitize_key(key)}_step{step}.manifest.json",
                    )
        if metrics:
            self._client.log_batch(self.run_id, metrics=metrics)

    def _upload(self, relpath: str) -> None:
        if relpath in self._uploaded:
            return  # content-addressed: the same path holds the same bytes
        assert self.dir is not None
        self._client.log_artifact(
            self.run_id, str(self.dir / relpath), posixpath.dirname(relpath) or None
        )
        self._uploaded.add(relpath)

    def _on_close(self) -> None:
        from mlflow.entities import Metric, RunTag

        from .. import _json
        from ..runs.history import decode_value

        if self.run_id is None:
            return
        meta = _json.loads(self.canonical.read("run.json") or b"{}") or self._meta
        self._log_params(meta.get("config") or {})
        summary = decode_value(_json.loads(self._summary)) if self._summary else {}
        tags: list[Any] = []
        final: list[Any] = []
        now = int(float(meta.get("finished_at") or time.time()) * 1000)
        for key, v in summary.items():
            if key.startswith("_") or (isinstance(v, dict) and "_type" in v):
                continue  # media: their manifests are artifacts already
            text = v if isinstance(v, str) else json.dumps(v, allow_nan=True)
            if len(text) > MAX_TAG_LENGTH:
                text = text[: MAX_TAG_LENGTH - 1] + "…"
            tags.append(RunTag(f"summary/{_name(key)}", text))
            if isinstance(v, (bool, int, float)) and key not in self._metric_keys:
                final.append(Metric(_name(key), float(v), now, self._last_step))
        for i in range(0, len(tags), MAX_PARAMS):
            self._client.log_batch(self.run_id, tags=tags[i : i + MAX_PARAMS])
        for i in range(0, len(final), MAX_METRICS):
            self._client.log_batch(
                self.run_id, metrics=final[i : i + MAX_METRICS], synchronous=True
            )
        for name in ("run.json", "summary.json"):
            assert self.dir is not None
            if (self.dir / name).is_file():
                self._client.log_artifact(self.run_id, str(self.dir / name))
        code = meta.get("exit_code")
        status = "FINISHED" if code == 0 else "KILLED" if code in _KILLED else "FAILED"
        self._client.set_terminated(self.run_id, status=status, end_time=now)

    def _warn(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"MLflow: {message}.", MLflowWarning, stacklevel=1)

    def _check_reachable(self) -> None:
        """For an http(s) server: one quick request, so a dead server fails init in seconds."""
        if not self.tracking_uri.startswith(("http://", "https://")):
            return
        url = self.tracking_uri.rstrip("/") + "/health"
        try:
            with urllib.request.urlopen(url, timeout=5):
                pass
        except urllib.error.HTTPError:
            return  # it answered: reachable (older servers have no /health)
        except (OSError, ValueError) as exc:
            raise TransportError(
                f"cannot reach the MLflow tracking server {self.tracking_uri!r}: {exc}. "
                "Start it (mlflow server ...) or fix the URI; nothing was written."
            ) from exc


def _name(key: str) -> str:
    """``key`` as an MLflow metric/param/tag name (MLflow refuses names that are not normalized
    paths: ``a//b``, ``/a``, ``..``)."""
    norm = posixpath.normpath(key)
    if norm == key and norm not in (".", "..") and not norm.startswith(("/", "../")):
        return key
    from ..core.store import sanitize_key

    return sanitize_key(key)


def from_url(rest: str, context: Any) -> MLflowTransport:
    """``"mlflow:TRACKING_URI"`` → the run directory ``<dir>/<id>`` mirrored to MLflow."""
    if not rest:
        raise InvalidInputError(
            "init: `transport` 'mlflow:' needs a tracking URI, e.g. 'mlflow:http://127.0.0.1:5000' "
            "or 'mlflow:sqlite:///mlflow.db'."
        )
    if not getattr(context, "run_id", ""):
        raise InvalidInputError(
            "init: the 'mlflow:' transport needs the run id; use it through "
            "mediatypes.init(transport='mlflow:TRACKING_URI')."
        )
    if getattr(context, "rank", None) is not None:
        raise InvalidInputError(
            "init: transport 'mlflow:' cannot be used with group='shared': several processes "
            "would mirror into one MLflow run, whose metric series take one value per step, and "
            "the ranks' values would be interleaved. Use the default group (only rank 0 logs "
            "and mirrors to MLflow; gather values onto rank 0 to log them), or log with "
            "group='shared' into a run folder and look at it with `mediatypes view` or "
            "`mediatypes export tensorboard`."
        )
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:
        from ..errors import MissingDependencyError

        raise MissingDependencyError(
            "init: transport 'mlflow:' needs the optional dependency 'mlflow-skinny', which is "
            "not installed. Install it with: pip install 'mediatypes[mlflow]'"
        )
    return MLflowTransport(canonical_for(context), rest)
