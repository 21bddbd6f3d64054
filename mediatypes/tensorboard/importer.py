"""A TensorBoard run folder (its event files) as a validated mediatypes run directory.

Every value of one step becomes one row (``_step`` = the step; ``_timestamp`` = the earliest wall
time among that step's values; rows in increasing step order). Legacy summaries (``simple_value``,
``image``, ``audio``, ``histo``) are first brought to their tensor form by TensorBoard's own
``data_compat``; then, by plugin:

* ``scalars`` → numbers; ``text`` → a str (0-d) or a ``Table`` (1-D: one column ``text``; 2-D:
  the first row is taken as the column names when they are distinct, as our export writes them);
* ``images`` → ``Image`` (a list of them for several samples); ``audio`` → ``Audio`` (caption =
  the label); ``histograms`` → ``Histogram`` with the same bin edges and counts (more than 512
  bins are merged pairwise, with a warning);
* ``hparams`` session start info → the run's config.

Anything else (graphs, pr_curves, mesh, custom plugins) is skipped with one warning per tag. A
value logged twice at one step keeps the later one (one warning).
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._optional import require
from ..errors import InvalidInputError, TransportError
from .events import TensorBoardWarning, event_files, read_events

__all__ = ["import_logdir"]


def import_logdir(
    logdir: str | os.PathLike[str],
    run_dir: str | os.PathLike[str],
    *,
    tick: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Read the event files directly in ``logdir`` and write the run directory ``run_dir`` (which
    must not exist yet); return a report. The run is validated before this returns."""
    src, dst = Path(logdir), Path(run_dir)
    if not src.is_dir():
        raise TransportError(f"import: the TensorBoard folder {str(src)!r} does not exist.")
    files = event_files(src)
    if not files:
        runs = sorted({p.parent for p in src.rglob("*tfevents*") if p.is_file()})
        hint = (
            f" It holds TensorBoard runs in sub-folders; import one of them, e.g. "
            f"{', '.join(repr(str(r)) for r in runs[:3])}."
            if runs
            else ""
        )
        raise TransportError(
            f"import: {str(src)!r} holds no TensorBoard event file (events.out.tfevents.*).{hint}"
        )
    if dst.exists() and any(dst.iterdir()):
        raise InvalidInputError(
            f"import: `RUN_DIR` {str(dst)!r} already exists and is not empty; choose a new folder."
        )
    steps, config, skipped = _collect(files, tick)
    report = _write(dst, steps, config, src.name)
    report.update(skipped=skipped, event_files=[str(f) for f in files])
    return report


# ---- reading --------------------------------------------------------------------------------
class _Step:
    __slots__ = ("values", "wall")

    def __init__(self, wall: float) -> None:
        self.wall = wall
        self.values: dict[str, Any] = {}


def _collect(
    files: list[Path], tick: Callable[[int], None] | None
) -> tuple[dict[int, _Step], dict[str, Any], dict[str, str]]:
    data_compat = require("tensorboard.data_compat", "TensorBoard import")
    tensor_util = require("tensorboard.util.tensor_util", "TensorBoard import")
    hp_meta = require("tensorboard.plugins.hparams.metadata", "TensorBoard import")
    plugins: dict[str, str] = {}  # tag -> plugin name (from the first metadata seen)
    steps: dict[int, _Step] = {}
    config: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    twice = False

    def skip(tag: str, why: str) -> None:
        if tag not in skipped:
            skipped[tag] = why
            warnings.warn(f"import: `{tag}` {why}; skipped it.", TensorBoardWarning, stacklevel=4)

    for path in files:
        for event in read_events(path):
            if not event.HasField("summary"):
                continue
            for raw in event.summary.value:
                value = data_compat.migrate_value(raw)
                tag = value.tag
                if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
                    plugins.setdefault(tag, value.metadata.plugin_data.plugin_name)
                plugin = plugins.get(tag, "")
                if tag in ("_step", "_timestamp", "_runtime"):
                    skip(tag, "is a name mediatypes reserves for the row itself")
                    continue
                if plugin == "hparams":
                    if tag == hp_meta.SESSION_START_INFO_TAG:
                        info = hp_meta.parse_session_start_info_plugin_data(
                            value.metadata.plugin_data.content
                        )
                        config.update({k: _hparam(v) for k, v in info.hparams.items()})
                    continue
                if not value.HasField("tensor"):
                    skip(tag, "has no tensor value")
                    continue
                try:
                    converted = _convert(plugin, tag, tensor_util.make_ndarray(value.tensor))
                except _Skip as exc:
                    skip(tag, str(exc))
                    continue
                if event.step < 0:
                    skip(tag, f"has a negative step ({event.step})")
                    continue
                row = steps.get(event.step)
                if row is None:
                    row = steps[event.step] = _Step(event.wall_time)
                row.wall = min(row.wall, event.wall_time)
                if tag in row.values:
                    twice = True
                row.values[tag] = converted
        if tick is not None:
            tick(1)
    if twice:
        warnings.warn(
            "import: some tags have several values at one step; the later value was kept.",
            TensorBoardWarning,
            stacklevel=3,
        )
    return steps, config, skipped


class _Skip(Exception):
    """A value without a mediatypes form (the message says why)."""


def _hparam(v: Any) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        x = float(v.number_value)
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    if kind == "string_value":
        return str(v.string_value)
    if kind == "bool_value":
        return bool(v.bool_value)
    return None


def _convert(plugin: str, tag: str, array: Any) -> Any:
    """A value for ``log`` from one tensor of ``plugin``: plain values, or a factory (called when
    the run exists) for media."""
    import numpy as np

    if plugin == "scalars":
        if array.size != 1:
            raise _Skip(f"is a scalar summary of shape {array.shape}")
        x = array.reshape(()).item()
        return float(x) if not isinstance(x, bool) else x
    if plugin == "text":
        texts = np.vectorize(lambda b: b.decode("utf-8", "replace"), otypes=[object])(array)
        if texts.ndim == 0:
            return str(texts.item())
        return _Media("table", texts)
    if plugin == "images":
        blobs = [bytes(b) for b in array.reshape(-1)[2:]]
        if not blobs:
            raise _Skip("is an image summary with no image")
        return _Media("image", blobs)
    if plugin == "audio":
        if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
            raise _Skip(f"is an audio summary of shape {array.shape}")
        return _Media("audio", [(bytes(a), bytes(b).decode("utf-8", "replace")) for a, b in array])
    if plugin == "histograms":
        if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] == 0:
            raise _Skip(f"is a histogram of shape {array.shape} (empty or not [k, 3])")
        return _Media("histogram", np.asarray(array, dtype=np.float64))
    raise _Skip(f"is a {plugin or 'plain tensor'} summary, which has no mediatypes form")


class _Media:
    """A media value to build once the run's media classes are needed."""

    def __init__(self, kind: str, data: Any) -> None:
        self.kind = kind
        self.data = data

    def build(self, tag: str) -> Any:
        import mediatypes as mt

        if self.kind == "image":
            images = [mt.Image(io.BytesIO(b)) for b in self.data]
            return images[0] if len(images) == 1 else images
        if self.kind == "audio":
            clips = [mt.Audio(io.BytesIO(wav), caption=label or None) for wav, label in self.data]
            return clips[0] if len(clips) == 1 else clips
        if self.kind == "histogram":
            return _histogram(tag, self.data)
        return _table(self.data)


def _histogram(tag: str, rows: Any) -> Any:
    import numpy as np

    import mediatypes as mt

    edges = np.append(rows[:, 0], rows[-1, 1])
    counts = rows[:, 2]
    while len(counts) > mt.Histogram.MAX_BINS:  # merge neighbours: exact counts, coarser bins
        if len(counts) % 2:
            counts, edges = np.append(counts, 0.0), np.append(edges, edges[-1])
        counts = counts[0::2] + counts[1::2]
        edges = edges[0::2]
        warnings.warn(
            f"import: histogram `{tag}` has more than {mt.Histogram.MAX_BINS} bins; neighbouring "
            "bins were merged (counts kept).",
            TensorBoardWarning,
            stacklevel=3,
        )
    return mt.Histogram(np_histogram=(counts, edges))


def _table(texts: Any) -> Any:
    import mediatypes as mt

    if texts.ndim == 1:
        return mt.Table(columns=["text"], data=[[t] for t in texts.tolist()])
    rows = texts.reshape(texts.shape[0], -1).tolist()
    head = [str(c) for c in rows[0]]
    if len(rows) > 1 and len(set(head)) == len(head) and all(head):
        return mt.Table(columns=head, data=rows[1:])
    return mt.Table(columns=[f"col{i}" for i in range(len(rows[0]))], data=rows)


# ---- writing --------------------------------------------------------------------------------
def _write(dst: Path, steps: dict[int, _Step], config: dict[str, Any], name: str) -> dict[str, Any]:
    from ..errors import SchemaError
    from ..runs.reader import problems
    from ..runs.run import Run
    from ..transports.directory import DirectoryTransport

    order = sorted(steps)
    start = min((steps[s].wall for s in order), default=None)
    run = Run(
        DirectoryTransport(dst),
        id=dst.name,
        name=name,
        config=config,
        console=False,
        system_metrics=False,
        git=False,
        packages=False,
        command=False,
        start_time=start,
    )
    values = 0
    skipped: dict[str, str] = {}
    with run:
        for s in order:
            row: dict[str, Any] = {}
            for tag, v in steps[s].values.items():
                if isinstance(v, _Media):
                    try:
                        v = v.build(tag)
                    except Exception as exc:  # a blob our media classes refuse: keep the rest
                        skipped[tag] = f"could not be read ({type(exc).__name__}: {exc})"
                        warnings.warn(
                            f"import: `{tag}` at step {s} {skipped[tag]}; skipped it.",
                            TensorBoardWarning,
                            stacklevel=2,
                        )
                        continue
                row[tag] = v
            if row:
                run.history.log(row, step=s, commit=True, timestamp=steps[s].wall)
                values += len(row)
    found = problems(dst)
    if found:
        raise SchemaError(f"import: the run written to {dst} is not valid.", found)
    return {"run_dir": str(dst), "rows": len(order), "values": values, "failed": skipped}
