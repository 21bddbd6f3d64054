"""What a run page shows, gathered from a ``RunReader`` in one pass over its history.

The result is plain JSON-able data (it is embedded in the page): the run's metadata, config and
summary, its scalar series (downsampled, see ``sampling``), its system metrics, and one panel per
media key with the item logged at each step. Files are never opened here: they are referenced
through ``Site.url`` (a relative link, or a copy when the run is not on the local disk) and larger
payloads (tables, chart specs, 3-D geometry, texts) go through ``Site.blob`` into data files the
page loads on demand.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from .. import _json
from ..errors import MediaError
from ..runs.history import RESERVED, RunWarning
from . import sampling

__all__ = ["Sink", "run_data", "series_of"]

TABLE_ROWS = 10_000  # rows of one table shipped to the page (the rest are counted, not shown)
CELL_CHARS = 2_000  # longest string cell shipped (longer ones are cut, with a mark)
TEXT_BYTES = 200_000  # longest molecule text shown
HEATMAP_STEPS = 250  # histogram steps drawn in one heatmap
MAX_POINTS_3D = 1_000_000


class Sink(Protocol):
    """Where page payloads go (implemented by ``site.Site``)."""

    def url(self, relpath: Any) -> str | None: ...

    def blob(self, payload: Any) -> str: ...

    def geometry(self, manifest: dict[str, Any]) -> str | None: ...


def _num(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v if math.isfinite(v) else None
    if t is int:
        return float(v)
    return None


def series_of(xs: list[float], ys: list[float], limit: int = sampling.LIMIT) -> dict[str, Any]:
    """A series as page data: ``{"x": [...], "y": [...], "n": points logged}``, downsampled."""
    n = len(ys)
    if n <= limit:
        return {"x": xs, "y": ys, "n": n}
    ax, ay = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    keep = sampling.minmax(ax, ay, limit)
    return {"x": ax[keep].tolist(), "y": ay[keep].tolist(), "n": n}


def _group_of(key: str, metrics: Any) -> str:
    """Glob-defined metrics (``val/*``) share one chart; every other key has its own."""
    spec = metrics.resolve(key)
    if spec is not None and spec.name.endswith("*"):
        return str(spec.name)
    return key


def _section(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


# ----------------------------------------------------------------------------- media items


def _image(m: dict[str, Any], sink: Sink) -> dict[str, Any] | None:
    src = sink.url(m.get("path"))
    if src is None:
        return None
    w, h = m.get("width"), m.get("height")
    item: dict[str, Any] = {"kind": "image", "src": src, "w": w, "h": h}
    masks = []
    for name, layer in (m.get("masks") or {}).items():
        if not isinstance(layer, dict):
            continue
        msrc = sink.url((layer.get("file") or {}).get("path"))
        if msrc is not None:
            masks.append({"name": str(name), "src": msrc, "labels": _labels(layer)})
    if masks:
        item["masks"] = masks
    layers = []
    for name, layer in (m.get("boxes") or {}).items():
        if not isinstance(layer, dict):
            continue
        boxes = [b for b in (_box(b, w, h) for b in layer.get("box_data") or []) if b]
        layers.append({"name": str(name), "labels": _labels(layer), "boxes": boxes})
    if layers:
        item["boxes"] = layers
    return item


def _labels(layer: dict[str, Any]) -> dict[str, str]:
    labels = layer.get("class_labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _box(b: Any, w: Any, h: Any) -> dict[str, Any] | None:
    """A box as fractions of the image (pixel boxes divided by the image size)."""
    try:
        p = b["position"]
        x0, x1, y0, y1 = (float(p[k]) for k in ("minX", "maxX", "minY", "maxY"))
        if b.get("domain") == "pixel":
            x0, x1, y0, y1 = x0 / w, x1 / w, y0 / h, y1 / h
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        return None
    scores = b.get("scores") if isinstance(b.get("scores"), dict) else {}
    return {
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "cls": b.get("class_id"),
        "caption": str(b["box_caption"]) if "box_caption" in b else None,
        "scores": {str(k): v for k, v in scores.items() if _num(v) is not None},
    }


def _table(m: dict[str, Any], sink: Sink, read: Callable[[str], bytes]) -> dict[str, Any] | None:
    try:
        doc = _json.loads(read(m["path"]))
        columns = [str(c) for c in doc["columns"]]
        rows = doc["data"]
    except (MediaError, KeyError, TypeError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    shown = [[_cell(c, sink) for c in r] for r in rows[:TABLE_ROWS] if isinstance(r, list)]
    payload = {"columns": columns, "types": doc.get("column_types") or {}, "rows": shown}
    return {"kind": "table", "blob": sink.blob(payload), "nrows": len(rows), "shown": len(shown)}


def _cell(c: Any, sink: Sink) -> Any:
    if isinstance(c, str):
        return c if len(c) <= CELL_CHARS else c[:CELL_CHARS] + "…"
    if isinstance(c, dict) and "_type" in c:
        kind = str(c.get("_type"))
        if kind == "image-file":
            src = sink.url(c.get("path"))
            if src is not None:
                return {"_img": src, "w": c.get("width"), "h": c.get("height")}
        return {"_media": kind}
    if isinstance(c, (dict, list)):
        text = _json.dumps(c).decode()
        return text if len(text) <= CELL_CHARS else text[:CELL_CHARS] + "…"
    return c


def _strip_urls(spec: Any) -> int:
    """Remove every ``data.url`` of a logged chart spec (the page makes no network request):
    the data is replaced by an empty list. Returns how many were removed."""
    removed = 0
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "url" in data:
            spec["data"] = {"values": []}
            removed += 1
        for v in spec.values():
            removed += _strip_urls(v)
    elif isinstance(spec, list):
        for v in spec:
            removed += _strip_urls(v)
    return removed


def _chart(m: dict[str, Any], sink: Sink, read: Callable[[str], bytes]) -> dict[str, Any] | None:
    try:
        spec = _json.loads(read(m["path"]))
    except (MediaError, KeyError, TypeError, ValueError):
        return None
    if not isinstance(spec, dict):
        return None
    removed = _strip_urls(spec)
    item: dict[str, Any] = {"kind": "chart", "blob": sink.blob(spec)}
    if removed:
        item["note"] = f"{removed} external data reference(s) removed"
    return item


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _plotly(m: dict[str, Any], sink: Sink, read: Callable[[str], bytes]) -> dict[str, Any] | None:
    """A plotly figure drawn as a Vega-Lite chart: scatter/line/bar traces with x and y lists
    (what most figures are); other traces are listed as not drawn."""
    try:
        fig = _json.loads(read(m["path"]))
        traces = fig.get("data") or []
    except (MediaError, KeyError, TypeError, ValueError, AttributeError):
        return None
    values: list[dict[str, Any]] = []
    skipped: list[str] = []
    marks = set()
    for i, t in enumerate(traces):
        if not isinstance(t, dict):
            continue
        kind = str(t.get("type") or "scatter")
        xs, ys = t.get("x"), t.get("y")
        if kind not in ("scatter", "scattergl", "bar") or not isinstance(ys, list):
            skipped.append(kind)
            continue
        if not isinstance(xs, list):
            xs = list(range(len(ys)))
        name = str(t.get("name") or f"trace {i}")
        marks.add(
            "bar"
            if kind == "bar"
            else ("line" if "lines" in str(t.get("mode", "lines")) else "point")
        )
        values.extend({"x": x, "y": y, "trace": name} for x, y in zip(xs, ys, strict=False))
    xs_all = [v["x"] for v in values]
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs_all):
        xtype = "quantitative"
    elif all(isinstance(x, str) and _DATE.match(x) for x in xs_all):
        xtype = "temporal"
    else:
        xtype = "ordinal"
    layout = fig.get("layout") if isinstance(fig.get("layout"), dict) else {}
    title = layout.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    mark = marks.pop() if len(marks) == 1 else "line"
    spec: dict[str, Any] = {
        "data": {"values": values},
        "mark": {"type": mark, "tooltip": True},
        "encoding": {
            "x": {"field": "x", "type": xtype},
            "y": {"field": "y", "type": "quantitative"},
            "color": {"field": "trace", "type": "nominal"},
        },
        "width": 480,
        "height": 260,
    }
    if isinstance(title, str):
        spec["title"] = title
    item: dict[str, Any] = {"kind": "chart", "blob": sink.blob(spec)}
    if skipped:
        item["note"] = "traces not drawn: " + ", ".join(sorted(set(skipped)))
    return item


def _text(m: dict[str, Any], read: Callable[[str], bytes]) -> str | None:
    try:
        raw = read(m["path"])
    except (MediaError, KeyError, TypeError):
        return None
    text = raw[:TEXT_BYTES].decode("utf-8", "replace")
    return text + ("\n…" if len(raw) > TEXT_BYTES else "")


def media_item(
    m: dict[str, Any], sink: Sink, read: Callable[[str], bytes]
) -> dict[str, Any] | None:
    """One logged media manifest as page data (None when its file is missing or unreadable)."""
    kind = m.get("_type")
    item: dict[str, Any] | None
    if kind == "image-file":
        item = _image(m, sink)
    elif kind in ("video-file", "audio-file"):
        src = sink.url(m.get("path"))
        fmt = str(m.get("format"))
        tag = "audio" if kind == "audio-file" else ("gif" if fmt == "gif" else "video")
        item = None if src is None else {"kind": tag, "src": src, "format": fmt}
        if item is not None:
            for k in ("width", "height", "duration", "fps", "frames", "sample_rate", "channels"):
                if k in m:
                    item[k] = m[k]
    elif kind == "object3D-file":
        blob = sink.geometry(m)
        item = None if blob is None else {"kind": "object3d", "blob": blob}
        if item is not None:
            for k in ("kind", "num_points", "num_vertices", "num_faces"):
                if k in m:
                    item["what" if k == "kind" else k] = m[k]
    elif kind == "molecule-file":
        text = _text(m, read)
        item = None
        if text is not None:
            item = {
                "kind": "molecule",
                "blob": sink.blob({"text": text}),
                "format": m.get("format"),
            }
            item.update({k: m[k] for k in ("num_atoms", "smiles") if k in m})
    elif kind == "html-file":
        text = _text(m, read)
        item = None if text is None else {"kind": "html", "blob": sink.blob({"text": text})}
    elif kind == "table-file":
        item = _table(m, sink, read)
    elif kind == "chart":
        item = _chart(m, sink, read)
        if item is not None and isinstance(m.get("title"), str):
            item["title"] = m["title"]
    elif kind == "plotly-file":
        item = _plotly(m, sink, read)
    else:
        item = {"kind": "unknown", "type": str(kind)}
    if item is not None and isinstance(m.get("caption"), str):
        item["caption"] = m["caption"]
    return item


# ----------------------------------------------------------------------------- histograms


def _heatmap(steps: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    """Histograms over time as heatmap cells: for each kept step, each bin [y0, y1) and count."""
    keep = sampling.evenly(len(steps), HEATMAP_STEPS)
    xs = [steps[i][0] for i in keep]
    cells: list[list[float]] = []
    for j, i in enumerate(keep):
        x0 = xs[j]
        x1 = xs[j + 1] if j + 1 < len(xs) else x0 + (x0 - xs[j - 1] if j else 1.0)
        h = steps[i][1]
        bins, values = h.get("bins") or [], h.get("values") or []
        for b in range(min(len(values), len(bins) - 1)):
            y0, y1, c = _num(bins[b]), _num(bins[b + 1]), _num(values[b])
            if y0 is not None and y1 is not None and c is not None:
                cells.append([x0, x1, y0, y1, c])
    return {"cells": cells, "steps": len(steps), "shown": len(keep)}


# ----------------------------------------------------------------------------- the run


def _summary_value(v: Any) -> Any:
    if isinstance(v, dict):
        if "_type" in v:
            return {"_media": str(v["_type"])}
        if "_tensor" in v:
            return {k: x for k, x in v.items() if k != "_tensor"}
        return {str(k): _summary_value(x) for k, x in v.items()}
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _samples(reader: Any, rel: str) -> list[tuple[float, dict[str, Any]]]:
    """``(timestamp, sample)`` of each complete line of a system-metrics file."""
    out: list[tuple[float, dict[str, Any]]] = []
    for line in reader.read_bytes(rel).splitlines():
        try:
            row = _json.loads(line)
        except _json.JSONDecodeError:
            continue  # a partial last line of a killed run
        if isinstance(row, dict) and _num(row.get("_timestamp")) is not None:
            out.append((float(row["_timestamp"]), row))
    return out


def _system(reader: Any, ranks: list[int]) -> list[dict[str, Any]]:
    """System metrics as one chart per numeric field over minutes: ``files/system.jsonl``, and in
    a run several processes logged into, ``files/rank-<r>/system.jsonl`` too (one line per rank,
    on a common time axis)."""
    files: dict[int | None, str] = {}
    if reader.exists("files/system.jsonl"):
        files[0 if len(ranks) > 1 else None] = "files/system.jsonl"
    for r in ranks:
        if r and reader.exists(f"files/rank-{r}/system.jsonl"):
            files[r] = f"files/rank-{r}/system.jsonl"
    samples = {r: _samples(reader, rel) for r, rel in files.items()}
    starts = [rows[0][0] for rows in samples.values() if rows]
    if not starts:
        return []
    t0 = min(starts)
    cols: dict[str, dict[int | None, tuple[list[float], list[float]]]] = {}
    for who, rows in samples.items():
        for t, row in rows:
            for k, v in row.items():
                y = _num(v)
                if k != "_timestamp" and y is not None:
                    xs, ys = cols.setdefault(str(k), {}).setdefault(who, ([], []))
                    xs.append(round((t - t0) / 60.0, 4))
                    ys.append(y)
    out = []
    for k in sorted(cols):
        by_rank = cols[k]
        entry: dict[str, Any] = {"key": k, "axis": "minutes"}
        if len(by_rank) == 1:
            entry["series"] = series_of(*next(iter(by_rank.values())))
        else:  # the page draws ``lines``; ``series`` is the first rank's, as for one writer
            lines = _rank_lines(k, {r: series_of(*xy) for r, xy in by_rank.items()})
            entry["series"] = next(iter(lines.values()))
            entry["lines"] = lines
        out.append(entry)
    return out


def _rank_lines(key: str, by_rank: dict[Any, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One series per rank, named ``key · rank r``, each knowing its key and rank."""
    return {
        f"{key} · rank {r}": {**s, "key": key, "rank": r}
        for r, s in sorted(by_rank.items(), key=lambda kv: kv[0] or 0)
    }


META_KEYS = (
    "id",
    "name",
    "project",
    "state",
    "exit_code",
    "started_at",
    "finished_at",
    "host",
    "mediatypes_version",
    "resumed",
    "group",
)


def run_data(reader: Any, sink: Sink, *, limit: int = sampling.LIMIT) -> dict[str, Any]:
    """Everything a run page shows, as JSON-able data.

    A run several processes logged into (``group="shared"``, rows carry ``_rank``): a key whose
    rows come from more than one rank gets one line per rank (never one line zig-zagging between
    the ranks' values at each step), media items carry their rank, histograms get one heatmap per
    rank; step metrics are tracked per rank.
    """
    meta = reader.meta
    metrics = reader.metrics
    xname: dict[str, str] = {}  # key -> its x axis
    last: dict[Any, dict[str, float]] = {}  # rank -> last value of each step metric seen so far
    step_metrics = {s.step_metric for s in metrics.exact.values() if s.step_metric}
    step_metrics |= {s.step_metric for _, s in metrics.globs if s.step_metric}
    # key -> rank (None: a single writer) -> (xs, ys)
    scalars: dict[str, dict[Any, tuple[list[float], list[float]]]] = {}
    dropped: dict[tuple[str, Any], int] = {}
    media: dict[str, list[tuple[float, dict[str, Any], Any]]] = {}
    hists: dict[str, list[tuple[float, dict[str, Any], Any]]] = {}
    ranks_of: dict[str, set[Any]] = {}
    all_ranks: set[int] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunWarning)
        for row in reader.rows():
            step = row.get("_step")
            rank = row.get("_rank")
            if type(rank) is int:
                all_ranks.add(rank)
            seen = last.get(rank)
            if seen is None:
                seen = last[rank] = {}
            for sm in step_metrics:
                v = _num(row.get(sm))
                if v is not None:
                    seen[sm] = v
            for k, v in row.items():
                if k in RESERVED:
                    continue
                x_key = xname.get(k)
                if x_key is None:
                    spec = metrics.resolve(k)
                    if spec is not None and spec.hidden:
                        xname[k] = x_key = "\0hidden"
                    else:
                        xname[k] = x_key = (
                            spec.step_metric if spec and spec.step_metric else "_step"
                        )
                if x_key == "\0hidden":
                    continue
                x = _num(step) if x_key == "_step" else seen.get(x_key)
                if x is None:
                    continue
                t = type(v)
                if t is float or t is int:
                    if t is float and not math.isfinite(v):
                        dropped[k, rank] = dropped.get((k, rank), 0) + 1
                        continue
                    by_rank = scalars.get(k)
                    if by_rank is None:
                        scalars[k] = by_rank = {}
                    pair = by_rank.get(rank)
                    if pair is None:
                        by_rank[rank] = pair = ([], [])
                    pair[0].append(x)
                    pair[1].append(v)
                elif t is dict and "_type" in v:
                    ranks_of.setdefault(k, set()).add(rank)
                    if v["_type"] == "histogram":
                        hists.setdefault(k, []).append((x, v, rank))
                    else:
                        media.setdefault(k, []).append((x, v, rank))
    warned = sorted({str(w.message) for w in caught})

    charts: dict[str, dict[str, Any]] = {}
    for k, by_rank in scalars.items():
        group = _group_of(k, metrics)
        chart = charts.setdefault(
            group, {"title": group, "section": _section(group), "x": xname[k], "series": {}}
        )
        lines = {r: series_of(xs, ys, limit) for r, (xs, ys) in by_rank.items()}
        for r, s in lines.items():
            if (k, r) in dropped:
                s["nonfinite"] = dropped[k, r]
        if len(lines) == 1:
            chart["series"][k] = next(iter(lines.values()))
        else:
            chart["series"].update(_rank_lines(k, lines))

    read = reader.read_bytes
    panels: list[dict[str, Any]] = []
    for k, entries in media.items():
        several = len(ranks_of.get(k, ())) > 1
        items = []
        for x, m, rank in entries:
            if m.get("_type") == "media-list":
                subs = [
                    media_item(s, sink, read) for s in m.get("items") or [] if isinstance(s, dict)
                ]
                subs = [s for s in subs if s is not None]
                item: dict[str, Any] | None = {"kind": "list", "items": subs} if subs else None
            else:
                item = media_item(m, sink, read)
            if item is None:
                item = {"kind": "missing", "type": str(m.get("_type"))}
            item["step"] = x
            if several:
                item["rank"] = rank
            items.append(item)
        panels.append(
            {"key": k, "section": _section(k), "x": xname.get(k, "_step"), "items": items}
        )
    for k, entries in hists.items():
        several = len(ranks_of.get(k, ())) > 1
        per_rank: dict[Any, list[tuple[float, dict[str, Any]]]] = {}
        for x, h, rank in entries:
            per_rank.setdefault(rank if several else None, []).append((x, h))
        heatmaps = []
        for rank, steps in sorted(per_rank.items(), key=lambda kv: kv[0] or 0):
            item = {"kind": "heatmap", "blob": sink.blob(_heatmap(steps))}
            if several:
                item["rank"] = rank
            heatmaps.append(item)
        panels.append(
            {"key": k, "section": _section(k), "x": xname.get(k, "_step"), "items": heatmaps}
        )
    panels.sort(key=lambda p: str(p["key"]))
    group = meta.get("group") if isinstance(meta.get("group"), dict) else {}
    world = group.get("world_size") if group.get("mode") == "shared" else None
    ranks = sorted(all_ranks | set(range(world if isinstance(world, int) else 0)))

    summary = reader.summary
    return {
        "page": "run",
        "title": str(meta.get("name") or meta.get("id")),
        "meta": [[k, meta[k]] for k in META_KEYS if meta.get(k) is not None],
        "command": meta.get("command"),
        "git": meta.get("git"),
        "config": _summary_value(reader.config),
        "summary": {str(k): _summary_value(v) for k, v in dict(summary).items()},
        "charts": sorted(charts.values(), key=lambda c: (c["section"], c["title"])),
        "panels": panels,
        "system": _system(reader, ranks),
        "warnings": warned,
        "limit": limit,
    }
