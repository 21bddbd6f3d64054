"""A run's rows as TensorBoard summaries: the exact tensors and plugin metadata each plugin reads.

Version 1 of the mapping. One ``Event`` per history row (``step`` = ``_step``, ``wall_time`` =
``_timestamp``), one ``Summary.Value`` per key; the plugin metadata goes with the first value of
each tag, as TensorFlow's writers do. Tags are the run's keys (``a/b`` groups under ``a``).
TensorBoard keeps one value per step of a series and treats a step going back as a restart that
drops the later steps, so a value at a step not after the last one written for its key (a late
row kept by ``late_step_policy="keep"``) is left out with one warning per key.

=================  ==========================================================================
our value          TensorBoard form (plugin)
=================  ==========================================================================
number, bool       0-d ``DT_FLOAT`` tensor (``scalars``), as ``tf.summary.scalar`` writes it: the
                   value rounded to float32 (TensorBoard's fast loader reads only float32
                   scalars; a double tensor would vanish from its Scalars tab); bool as 0/1
str                0-d string tensor (``text``, rendered as Markdown)
image-file         ``[width, height, png]`` string tensor (``images``); JPEG/BMP/WebP become PNG.
                   Masks are *extra images* under ``<key>/mask/<layer>`` (class ids coloured
                   with a fixed palette); boxes are *overlays* drawn on a copy of the image
                   under ``<key>/boxes/<layer>``. The image under ``<key>`` is unchanged.
media-list         images: one tensor with every image as a sample; audio: ``[k, 2]``; other
                   kinds: each item under ``<key>/<i>``
audio-file         ``[[wav, caption]]`` string tensor (``audio``, encoding WAV); FLAC/OGG/MP3
                   are decoded and written as 16-bit WAV (needs ``mediatypes[audio]``)
histogram          ``[k, 3]`` ``DT_DOUBLE`` tensor of (left edge, right edge, count) rows
                   (``histograms``): our exact bins and counts
table-file         2-D string tensor (``text`` shows it as a table); first row = column names;
                   media cells as ``<_type path>``
chart              PNG rendered offline (``images``, needs ``mediatypes[render]``) plus the
                   Vega-Lite spec as text under ``<key>/spec``; a ``pr_curve`` chart also gives
                   ``pr_curves`` tensors, one tag per class (``<key>/<class>``), see
                   :func:`pr_curve_tensor`
object3D-file      ``mesh`` plugin: ``<key>_VERTEX`` ``[1, n, 3]`` float32, ``<key>_COLOR``
                   uint8 (when the points have colours), ``<key>_FACE`` int32 for meshes
                   (GLB meshes need ``mediatypes[3d]``)
video-file         animated GIF as an image (``images``); MP4/WebM/OGG are decoded and
                   re-encoded as GIF (needs ``mediatypes[video]``)
system metrics     scalars ``system/<name>`` (``files/system.jsonl``), step = the sample's index
config             ``hparams`` session start info (nested keys as ``a/b``; lists, dicts and
                   None as JSON text); the run's state as session end info at finish
html, molecule,    no TensorBoard form: skipped with one :class:`TensorBoardWarning` per key
plotly, None
=================  ==========================================================================
"""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Callable
from fractions import Fraction
from math import lcm
from typing import Any

from .._optional import require
from .events import TensorBoardWarning

__all__ = ["MAPPING_VERSION", "NO_FORM", "Mapper", "flatten_config", "pr_curve_tensor"]

MAPPING_VERSION = 1
# Manifest types TensorBoard has no plugin for.
NO_FORM = ("html-file", "molecule-file", "plotly-file")
_PALETTE = [
    (0, 0, 0), (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
]  # fmt: skip
_STATUS = {"finished": 1, "failed": 2, "crashed": 2, "running": 3}  # hparams api_pb2.Status


class _Protos:
    """The proto modules and plugin metadata helpers of the installed ``tensorboard``."""

    def __init__(self) -> None:
        need = "TensorBoard export"
        self.event = require("tensorboard.compat.proto.event_pb2", need)
        self.summary = require("tensorboard.compat.proto.summary_pb2", need)
        self.types = require("tensorboard.compat.proto.types_pb2", need)
        self.scalar = require("tensorboard.plugins.scalar.metadata", need)
        self.image = require("tensorboard.plugins.image.metadata", need)
        self.audio = require("tensorboard.plugins.audio.metadata", need)
        self.histogram = require("tensorboard.plugins.histogram.metadata", need)
        self.text = require("tensorboard.plugins.text.metadata", need)
        self.pr = require("tensorboard.plugins.pr_curve.metadata", need)
        self.mesh = require("tensorboard.plugins.mesh.metadata", need)
        self.mesh_data = require("tensorboard.plugins.mesh.plugin_data_pb2", need)
        self.hparams = require("tensorboard.plugins.hparams.metadata", need)
        self.hparams_data = require("tensorboard.plugins.hparams.plugin_data_pb2", need)


class Mapper:
    """Turns rows (decoded, as ``RunReader.rows()`` yields them) into serialized ``Event`` bytes.

    ``read_bytes(relpath)`` returns a file of the run (``RunReader.read_bytes`` or a local
    folder); ``warn(message)`` reports a skipped value (default: a :class:`TensorBoardWarning`),
    once per key and reason.
    """

    def __init__(
        self, read_bytes: Callable[[str], bytes], warn: Callable[[str], None] | None = None
    ) -> None:
        self.pb = _Protos()
        self.read_bytes = read_bytes
        self._warn = warn or _warn
        self._meta: dict[tuple[str, str], Any] = {}  # (plugin, tag) -> metadata, first use only
        self._warned: set[tuple[str, str]] = set()
        self.skipped: dict[str, str] = {}  # key -> why (for reports)
        self._last_step: dict[str, int] = {}  # key -> the last step written for it
        self.late_values = 0
        self._dt = self.pb.types

    def fork(self) -> Mapper:
        """A mapper for another event file (another rank's sub-run): its own steps and plugin
        metadata, the same warnings and report of skipped keys."""
        other = Mapper(self.read_bytes, self._warn)
        other._warned = self._warned
        other.skipped = self.skipped
        return other

    # ---- events -----------------------------------------------------------------------------
    def row(self, row: dict[str, Any]) -> bytes | None:
        """The event for one row, or None when none of its values has a TensorBoard form."""
        step = row.get("_step")
        wall = row.get("_timestamp")
        if not isinstance(step, int) or not isinstance(wall, (int, float)):
            return None
        summary = self.pb.summary.Summary()
        values = summary.value
        last = self._last_step
        for key, v in row.items():
            if key in ("_step", "_timestamp", "_runtime", "_rank"):
                continue
            seen = last.get(key)
            if seen is not None and step <= seen:
                self.late(key, step, seen)
                continue
            last[key] = step
            t = type(v)
            if t is float or t is int or t is bool:
                self._scalar(values.add(), key, float(v))
            elif t is str:
                self._text(values.add(), key, [v.encode("utf-8")], [])
            elif t is dict and "_type" in v:
                try:
                    self._media(values, key, v)
                except Exception as exc:  # one bad file must not stop the export of the run
                    self.skip(key, f"could not be converted ({type(exc).__name__}: {exc})")
            elif v is not None:
                self.skip(key, f"holds a {type(v).__name__}, which has no TensorBoard form")
        if not values:
            return None
        ev = self.pb.event.Event(wall_time=float(wall), step=step)
        ev.summary.CopyFrom(summary)
        data: bytes = ev.SerializeToString()
        return data

    def system(self, sample: dict[str, Any], index: int) -> bytes | None:
        """One system-metrics sample (a line of ``files/system.jsonl``) as scalars
        ``system/<name>``; its step is the sample's index (samples have no training step)."""
        wall = sample.get("_timestamp")
        if not isinstance(wall, (int, float)):
            return None
        summary = self.pb.summary.Summary()
        for key, v in sample.items():
            if key != "_timestamp" and type(v) in (int, float, bool):
                self._scalar(summary.value.add(), f"system/{key}", float(v))
        if not summary.value:
            return None
        ev = self.pb.event.Event(wall_time=float(wall), step=index)
        ev.summary.CopyFrom(summary)
        data: bytes = ev.SerializeToString()
        return data

    def hparams_start(self, config: dict[str, Any], start_time: float, name: str = "") -> bytes:
        """The ``hparams`` session start event for ``config`` (flattened, see module docs)."""
        hp = self.pb.hparams_data
        info = hp.SessionStartInfo(start_time_secs=float(start_time), group_name=name)
        for k, v in flatten_config(config).items():
            if isinstance(v, bool):
                info.hparams[k].bool_value = v
            elif isinstance(v, (int, float)) and math.isfinite(v):
                info.hparams[k].number_value = float(v)
            elif isinstance(v, str):
                info.hparams[k].string_value = v
            else:
                info.hparams[k].string_value = json.dumps(v)
        return self._hparams_event(hp.HParamsPluginData(session_start_info=info), start_time)

    def hparams_end(self, state: str, end_time: float) -> bytes:
        """The ``hparams`` session end event (``finished`` → success, ``failed``/``crashed`` →
        failure)."""
        hp = self.pb.hparams_data
        info = hp.SessionEndInfo(status=_STATUS.get(state, 0), end_time_secs=float(end_time))
        return self._hparams_event(hp.HParamsPluginData(session_end_info=info), end_time)

    def _hparams_event(self, data: Any, wall: float) -> bytes:
        meta = self.pb.hparams.create_summary_metadata(data)
        tag = (
            self.pb.hparams.SESSION_START_INFO_TAG
            if data.HasField("session_start_info")
            else self.pb.hparams.SESSION_END_INFO_TAG
        )
        ev = self.pb.event.Event(wall_time=float(wall), step=0)
        v = ev.summary.value.add(tag=tag)
        v.metadata.CopyFrom(meta)
        v.tensor.CopyFrom(self.pb.hparams.NULL_TENSOR)
        out: bytes = ev.SerializeToString()
        return out

    # ---- helpers ----------------------------------------------------------------------------
    def skip(self, key: str, why: str) -> None:
        """Report (once per key and reason) a value that is left out."""
        if (key, why) in self._warned:
            return
        self._warned.add((key, why))
        self.skipped[key] = why
        self._warn(f"TensorBoard: `{key}` {why}; skipped it.")

    def late(self, key: str, step: int, seen: int) -> None:
        """A value at a step not after one already written for its key (a late row): TensorBoard
        keeps one value per step and, on a step going back, drops every later step of the
        series, so the value is left out (it stays in the run directory)."""
        self.late_values += 1
        if (key, "late") not in self._warned:
            self._warned.add((key, "late"))
            self._warn(
                f"TensorBoard: `{key}` has a value at step {step} after step {seen} (a late row); "
                f"TensorBoard would drop every step after {step} of this series, so such values "
                f"are left out of TensorBoard (they stay in the run directory)."
            )

    def _metadata(self, plugin: str, tag: str, make: Callable[[], Any]) -> Any:
        ident = (plugin, tag)
        if ident in self._meta:
            return None
        meta = self._meta[ident] = make()
        return meta

    def _put_meta(self, v: Any, plugin: str, tag: str, make: Callable[[], Any]) -> None:
        meta = self._metadata(plugin, tag, make)
        if meta is not None:
            v.metadata.CopyFrom(meta)

    def _scalar(self, v: Any, tag: str, x: float) -> None:
        v.tag = tag
        t = v.tensor
        t.dtype = self._dt.DT_FLOAT
        t.float_val.append(x)
        if ("scalars", tag) not in self._meta:
            self._put_meta(
                v, "scalars", tag, lambda: self.pb.scalar.create_summary_metadata(tag, "")
            )

    def _strings(self, v: Any, tag: str, items: list[bytes], shape: list[int]) -> None:
        v.tag = tag
        t = v.tensor
        t.dtype = self._dt.DT_STRING
        for d in shape:
            t.tensor_shape.dim.add(size=d)
        t.string_val.extend(items)

    def _text(self, v: Any, tag: str, items: list[bytes], shape: list[int]) -> None:
        self._strings(v, tag, items, shape)
        self._put_meta(v, "text", tag, lambda: self.pb.text.create_summary_metadata(tag, ""))

    def _images(self, values: Any, tag: str, blobs: list[bytes], size: tuple[int, int]) -> None:
        v = values.add()
        w, h = size
        self._strings(v, tag, [str(w).encode(), str(h).encode(), *blobs], [len(blobs) + 2])
        self._put_meta(v, "images", tag, lambda: self.pb.image.create_summary_metadata(tag, ""))

    def _numeric(self, v: Any, tag: str, array: Any, dtype: int) -> None:
        v.tag = tag
        t = v.tensor
        t.dtype = dtype
        for d in array.shape:
            t.tensor_shape.dim.add(size=int(d))
        t.tensor_content = array.tobytes()

    # ---- media ------------------------------------------------------------------------------
    def _media(self, values: Any, key: str, m: dict[str, Any]) -> None:
        kind = m["_type"]
        if kind == "image-file":
            png, size = self._image_png(m)
            self._images(values, key, [png], size)
            self._image_layers(values, key, m)
        elif kind == "media-list":
            self._list(values, key, m)
        elif kind == "audio-file":
            self._audio(values, key, [m])
        elif kind == "histogram":
            self._histogram(values.add(), key, m)
        elif kind == "table-file":
            self._table(values.add(), key, m)
        elif kind == "chart":
            self._chart(values, key, m)
        elif kind == "object3D-file":
            self._object3d(values, key, m)
        elif kind == "video-file":
            gif, size = self._video_gif(m)
            self._images(values, key, [gif], size)
        elif kind in NO_FORM:
            self.skip(key, f"is a {kind}, which has no TensorBoard form")
        else:
            self.skip(key, f"is a {kind!r} manifest this exporter does not know")

    def _list(self, values: Any, key: str, m: dict[str, Any]) -> None:
        items = m.get("items") or []
        item_type = m.get("item_type")
        if item_type == "image-file":
            pngs, size = [], (0, 0)
            for i, item in enumerate(items):
                png, s = self._image_png(item)
                pngs.append(png)
                size = max(size, s)
                self._image_layers(values, f"{key}/{i}", item)
            self._images(values, key, pngs, size)
        elif item_type == "audio-file":
            self._audio(values, key, items)
        elif item_type in NO_FORM:
            self.skip(key, f"is a list of {item_type}, which has no TensorBoard form")
        else:
            for i, item in enumerate(items):
                self._media(values, f"{key}/{i}", item)

    def _image_png(self, m: dict[str, Any]) -> tuple[bytes, tuple[int, int]]:
        data = self.read_bytes(m["path"])
        size = (int(m["width"]), int(m["height"]))
        if m.get("format") == "png":
            return data, size
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as im:
            im.seek(0)
            buf = io.BytesIO()
            im.save(buf, format="PNG")
        return buf.getvalue(), size

    def _image_layers(self, values: Any, key: str, m: dict[str, Any]) -> None:
        masks, boxes = m.get("masks"), m.get("boxes")
        if not masks and not boxes:
            return
        from PIL import Image as PILImage
        from PIL import ImageDraw

        for layer, spec in (masks or {}).items():
            with PILImage.open(io.BytesIO(self.read_bytes(spec["file"]["path"]))) as im:
                ids = _np().asarray(im).astype(_np().int64)
            palette = _np().array(_PALETTE, dtype=_np().uint8)
            rgb = palette[ids % len(_PALETTE)]
            buf = io.BytesIO()
            PILImage.fromarray(rgb).save(buf, format="PNG", compress_level=1)
            h, w = ids.shape[:2]
            self._images(values, f"{key}/mask/{layer}", [buf.getvalue()], (w, h))
        if boxes:
            base_png, (w, h) = self._image_png(m)
            with PILImage.open(io.BytesIO(base_png)) as im:
                base = im.convert("RGB")
            for layer, spec in boxes.items():
                canvas = base.copy()
                draw = ImageDraw.Draw(canvas)
                labels = spec.get("class_labels") or {}
                for box in spec.get("box_data") or []:
                    p = box["position"]
                    sx, sy = (w, h) if box.get("domain", "fraction") == "fraction" else (1, 1)
                    xy = (p["minX"] * sx, p["minY"] * sy, p["maxX"] * sx, p["maxY"] * sy)
                    color = _PALETTE[1 + int(box.get("class_id", 0)) % (len(_PALETTE) - 1)]
                    draw.rectangle(xy, outline=color, width=max(1, min(w, h) // 128))
                    label = box.get("box_caption") or labels.get(str(box.get("class_id")), "")
                    if label:
                        draw.text((xy[0] + 2, xy[1] + 1), str(label), fill=color)
                buf = io.BytesIO()
                canvas.save(buf, format="PNG", compress_level=1)
                self._images(values, f"{key}/boxes/{layer}", [buf.getvalue()], (w, h))

    def _audio(self, values: Any, key: str, items: list[dict[str, Any]]) -> None:
        rows: list[bytes] = []
        for m in items:
            rows.append(self._wav(m))
            rows.append((m.get("caption") or "").encode("utf-8"))
        v = values.add()
        self._strings(v, key, rows, [len(items), 2])
        enc = self.pb.audio.Encoding.Value("WAV")
        self._put_meta(v, "audio", key, lambda: self.pb.audio.create_summary_metadata(key, "", enc))

    def _wav(self, m: dict[str, Any]) -> bytes:
        data = self.read_bytes(m["path"])
        if m.get("format") == "wav":
            return data
        sf = require("soundfile", f"TensorBoard audio from {m.get('format')}")
        samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
        buf = io.BytesIO()
        sf.write(buf, samples, rate, format="WAV", subtype="PCM_16")
        return buf.getvalue()

    def _histogram(self, v: Any, key: str, m: dict[str, Any]) -> None:
        np = _np()
        bins = np.asarray(m["bins"], dtype=np.float64)
        counts = np.asarray(m["values"], dtype=np.float64)
        rows = np.stack([bins[:-1], bins[1:], counts], axis=1)
        self._numeric(v, key, rows.astype("<f8"), self._dt.DT_DOUBLE)
        self._put_meta(
            v, "histograms", key, lambda: self.pb.histogram.create_summary_metadata(key, "")
        )

    def _table(self, v: Any, key: str, m: dict[str, Any]) -> None:
        doc = json.loads(self.read_bytes(m["path"]))
        columns = [str(c) for c in doc.get("columns") or []]
        cells = [c.encode("utf-8") for c in columns]
        for row in doc.get("data") or []:
            cells.extend(_cell(x).encode("utf-8") for x in row)
        nrows = len(cells) // max(1, len(columns))
        self._text(v, key, cells, [nrows, len(columns)])

    def _chart(self, values: Any, key: str, m: dict[str, Any]) -> None:
        spec = json.loads(self.read_bytes(m["path"]))
        text = "```json\n" + json.dumps(spec, indent=1) + "\n```"
        self._text(values.add(), f"{key}/spec", [text.encode("utf-8")], [])
        if m.get("preset") == "pr_curve":
            self._pr_curves(values, key, m)
        try:
            png = _render_png(spec)
        except ImportError as exc:  # the render extra is optional: keep the spec and curves
            self.skip(f"{key} (image)", f"chart PNG not rendered: {exc}")
            return
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(png)) as im:
            size = im.size
        self._images(values, key, [png], size)

    def _pr_curves(self, values: Any, key: str, m: dict[str, Any]) -> None:
        table = m["table"]
        doc = json.loads(self.read_bytes(table["path"]))
        cols = doc["columns"]
        idx = {c: cols.index(c) for c in ("class", "recall", "precision") if c in cols}
        if len(idx) < 3:
            self.skip(key, "is a pr_curve chart without class/recall/precision columns")
            return
        per_class: dict[str, list[tuple[float, float]]] = {}
        for row in doc["data"]:
            per_class.setdefault(str(row[idx["class"]]), []).append(
                (float(row[idx["precision"]]), float(row[idx["recall"]]))
            )
        for cls, points in per_class.items():
            tensor = pr_curve_tensor([p for p, _ in points], [r for _, r in points])
            tag = f"{key}/{cls}"
            v = values.add()
            self._numeric(v, tag, tensor.astype("<f4"), self._dt.DT_FLOAT)
            if ("pr_curves", tag) not in self._meta:
                meta = self.pb.pr.create_summary_metadata(tag, "", int(tensor.shape[1]))
                self._meta["pr_curves", tag] = meta
                v.metadata.CopyFrom(meta)

    def _object3d(self, values: Any, key: str, m: dict[str, Any]) -> None:
        np = _np()
        data = self.read_bytes(m["path"])
        faces = colors = None
        if m.get("format") == "ply":
            from ..object3d import _read_ply_points

            xyz, rgb, _ = _read_ply_points(data)
            colors = rgb
        else:
            trimesh = require("trimesh", "TensorBoard meshes")
            scene = trimesh.load(io.BytesIO(data), file_type=m.get("format", "glb"), force="mesh")
            xyz, faces = np.asarray(scene.vertices), np.asarray(scene.faces)
            vc = getattr(scene.visual, "vertex_colors", None)
            if vc is not None and len(vc) == len(xyz):
                colors = np.asarray(vc)[:, :3]
        mesh = self.pb.mesh_data.MeshPluginData
        parts = [(mesh.VERTEX, np.asarray(xyz, dtype="<f4"), self._dt.DT_FLOAT)]
        if faces is not None and len(faces):
            parts.append((mesh.FACE, np.asarray(faces, dtype="<i4"), self._dt.DT_INT32))
        if colors is not None:
            parts.append((mesh.COLOR, np.asarray(colors, dtype=np.uint8), self._dt.DT_UINT8))
        components = self.pb.mesh.get_components_bitmask([p[0] for p in parts])
        for content_type, array, dtype in parts:
            tensor = array.reshape(1, -1, 3)
            tag = self.pb.mesh.get_instance_name(key, content_type)
            v = values.add()
            self._numeric(v, tag, tensor, dtype)
            shape = list(tensor.shape)
            # the mesh plugin needs its metadata (shape, components) on every value
            v.metadata.CopyFrom(
                self.pb.mesh.create_summary_metadata(
                    key, None, content_type, components, shape, json_config="{}"
                )
            )

    def _video_gif(self, m: dict[str, Any]) -> tuple[bytes, tuple[int, int]]:
        data = self.read_bytes(m["path"])
        size = (int(m["width"]), int(m["height"]))
        if m.get("format") == "gif":
            return data, size
        av = require("av", f"TensorBoard video from {m.get('format')}")
        with av.open(io.BytesIO(data)) as container:
            frames = [f.to_image() for f in container.decode(video=0)]
        buf = io.BytesIO()
        fps = float(m.get("fps") or 4)
        frames[0].save(
            buf,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=max(20, round(1000 / fps)),
            loop=0,
        )
        return buf.getvalue(), size


def pr_curve_tensor(precision: list[float], recall: list[float]) -> Any:
    """The ``pr_curves`` plugin's ``[6, n]`` tensor (TP, FP, TN, FN, precision, recall) for one
    curve of our ``pr_curve`` chart (points ordered by increasing threshold, the last one
    ``recall 0, precision 1``).

    Precision and recall are written as logged. Our chart keeps no counts, so they are
    recovered: the number of positives ``P`` is the least common denominator of the recall
    values (each is ``TP / P``), ``TP = recall * P``, ``FP = TP / precision - TP``; the first
    point is the lowest threshold (every sample predicted positive), so the negatives are
    ``N = FP[0]`` and ``TN = N - FP``, ``FN = P - TP``. This is exact for a curve that was not
    downsampled. Where precision is 0 (TP = 0) FP cannot be recovered from the ratio; it is
    written as the number of such thresholds at or above the point (each is the score of at
    least one negative): exact when no two scores tie, a lower bound otherwise.
    TensorBoard draws thresholds as ``i / (n - 1)``; the real thresholds are in the chart's
    table (``<key>/spec``).
    """
    np = _np()
    p = np.asarray(precision, dtype=np.float64)
    r = np.asarray(recall, dtype=np.float64)
    positives = 1
    for x in r.tolist():
        if 0 < x <= 1:
            positives = lcm(positives, Fraction(x).limit_denominator(10**7).denominator)
            if positives > 10**9:  # not a recall of counts: fall back to fractions of 1e6
                positives = 10**6
                break
    tp = np.round(r * positives)
    fp = np.round(np.divide(tp, p, out=np.zeros_like(p), where=p > 0) - tp)
    # precision 0 (TP = 0): each such threshold is the score of at least one negative, and all
    # of them lie above the last threshold with a positive, so FP >= how many remain above
    unknown = np.flatnonzero(p == 0)
    fp[unknown] = len(unknown) - np.arange(len(unknown))
    fp[(tp == 0) & (p == 1)] = 0.0  # the final (recall 0, precision 1) point: nothing predicted
    negatives = fp[0] if len(fp) else 0.0
    tn = np.maximum(negatives - fp, 0.0)
    fn = positives - tp
    return np.stack([tp, fp, tn, fn, p, r])


def flatten_config(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts of ``config`` as ``a/b`` keys (the run's own convention for nested keys)."""
    out: dict[str, Any] = {}
    for k, v in config.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten_config(v, name + "/"))
        else:
            out[name] = v
    return out


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, dict) and "_type" in x:
        return f"<{x['_type']} {x.get('path', '')}>".strip()
    if isinstance(x, (dict, list)):
        return json.dumps(x)
    return str(x)


def _render_png(spec: dict[str, Any]) -> bytes:
    from .. import _registry

    chart_cls = _registry.media_class("chart")
    table_cls = _registry.media_class("table-file")
    return bytes(chart_cls(spec, table_cls(columns=["_"], data=[])).to_png())


def _np() -> Any:
    import numpy

    return numpy


def _warn(message: str) -> None:
    warnings.warn(message, TensorBoardWarning, stacklevel=4)
