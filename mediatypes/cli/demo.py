"""``mediatypes demo [DIR]``: a realistic run with every media type and chart preset available.

A tiny softmax classifier is trained on the iris data (numpy only) and logs, per epoch, its loss
and accuracy; along the way it logs its decision boundary (Image, with a class mask and boxes), how
the boundary moved (Video), the loss curve as sound (Audio), the data as a 3-D point cloud
(Object3D), a weight histogram, a predictions Table, an HTML report, a molecule, and one chart per
preset built from ``vega_datasets``' locally bundled data sets (cars, iris, stocks,
seattle-weather; nothing is downloaded). Types or presets that are not part of this installation
are skipped. At the end the written directory is validated.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import _registry
from ..errors import MissingDependencyError
from ._output import emit_json, wrap

EPILOG = """examples:
  mediatypes demo                 # writes into demo-out/
  mediatypes demo /tmp/demo --epochs 5
  mediatypes validate demo-out    # what the demo does at the end"""

SPECIES = ["setosa", "versicolor", "virginica"]
PALETTE = np.array([[230, 159, 0], [86, 180, 233], [0, 158, 115]], np.uint8)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="write a demo run using every media type and chart preset, then validate it",
        description=wrap(
            "Train a tiny classifier on the iris data and log everything the toolkit can "
            "serialize (every available media type and chart preset, with data from vega_datasets' "
            "bundled sets) into DIR, then validate what was written."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", nargs="?", default="demo-out", metavar="DIR")
    p.add_argument("--epochs", type=int, default=12, help="training epochs (default 12)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------- availability


def media_cls(type_name: str) -> Any | None:
    """The registered media class for ``type_name``, or None when not in this installation."""
    if type_name not in _registry.TYPES:
        return None
    try:
        return _registry.media_class(type_name)
    except ImportError:
        return None


def chart_fn(name: str) -> Callable[..., Any] | None:
    try:
        charts = importlib.import_module("charts")
        fn: Callable[..., Any] = getattr(charts, name)
    except (ModuleNotFoundError, AttributeError):
        return None
    return fn


def _datasets() -> Any:
    try:
        from vega_datasets import local_data
    except ImportError as exc:
        raise MissingDependencyError(
            "demo needs vega_datasets (and pandas) for its data: pip install 'mediatypes[demo]'"
        ) from exc
    return local_data


# ----------------------------------------------------------------------------- the model


class Model:
    """Softmax regression on two iris features (petal length and width), trained with numpy."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.mean, self.std = x.mean(0), x.std(0)
        self.x, self.y = (x - self.mean) / self.std, y
        self.w = np.zeros((x.shape[1], 3))
        self.b = np.zeros(3)

    def probs(self, x: np.ndarray, normalized: bool = True) -> np.ndarray:
        z = (x if normalized else (x - self.mean) / self.std) @ self.w + self.b
        z = np.exp(z - z.max(1, keepdims=True))
        return np.asarray(z / z.sum(1, keepdims=True))

    def step(self, lr: float = 0.5, iters: int = 5) -> tuple[float, float]:
        onehot = np.eye(3)[self.y]
        for _ in range(iters):
            p = self.probs(self.x)
            grad = (p - onehot) / len(self.y)
            self.w -= lr * self.x.T @ grad
            self.b -= lr * grad.sum(0)
        p = self.probs(self.x)
        loss = float(-np.log(p[np.arange(len(self.y)), self.y] + 1e-12).mean())
        acc = float((p.argmax(1) == self.y).mean())
        return loss, acc

    def boundary(self, lo: np.ndarray, hi: np.ndarray, size: int = 96) -> np.ndarray:
        """Predicted class id on a size×size grid over [lo, hi] (row 0 = top = largest y)."""
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], size), np.linspace(hi[1], lo[1], size))
        grid = np.stack([gx.ravel(), gy.ravel()], 1)
        return self.probs(grid, normalized=False).argmax(1).reshape(size, size)


# ----------------------------------------------------------------------------- media builders


def _boundary_image(model: Model, lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> np.ndarray:
    ids = model.boundary(lo, hi)
    rgb = (PALETTE[ids].astype(np.float32) * 0.55 + 255 * 0.45).astype(np.uint8)
    size = ids.shape[0]
    cols = ((x[:, 0] - lo[0]) / (hi[0] - lo[0]) * (size - 1)).round().astype(int)
    rows = ((hi[1] - x[:, 1]) / (hi[1] - lo[1]) * (size - 1)).round().astype(int)
    rgb[rows.clip(0, size - 1), cols.clip(0, size - 1)] = 0  # the training points
    return rgb


def _boxes(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[dict[str, Any]]:
    boxes = []
    for k, name in enumerate(SPECIES):
        pts = x[y == k]
        fx = (pts[:, 0] - lo[0]) / (hi[0] - lo[0])
        fy = (hi[1] - pts[:, 1]) / (hi[1] - lo[1])
        boxes.append(
            {
                "position": {
                    "minX": float(fx.min()),
                    "maxX": float(fx.max()),
                    "minY": float(fy.min()),
                    "maxY": float(fy.max()),
                },
                "class_id": k,
                "box_caption": name,
                "scores": {"share": round(float(len(pts) / len(x)), 3)},
            }
        )
    return boxes


def _sonify(losses: list[float], sample_rate: int = 16000, seconds: float = 1.5) -> np.ndarray:
    """The loss curve as a tone gliding from 880 Hz (high loss) down to 220 Hz."""
    n = int(sample_rate * seconds)
    curve = np.interp(np.linspace(0, len(losses) - 1, n), np.arange(len(losses)), losses)
    span = max(curve.max() - curve.min(), 1e-9)
    freq = 220 + 660 * (curve - curve.min()) / span
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate
    envelope = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / (0.02 * sample_rate))
    return (0.4 * np.sin(phase) * envelope).astype(np.float32)


def _html_report(cars: Any, acc: float, loss: float) -> str:
    by_origin = cars.groupby("Origin")[["Miles_per_Gallon", "Horsepower"]].mean().round(1)
    rows = "".join(
        f"<tr><td>{o}</td><td>{r.Miles_per_Gallon}</td><td>{r.Horsepower}</td></tr>"
        for o, r in by_origin.iterrows()
    )
    return (
        "<!doctype html><html><head><title>mediatypes demo</title></head><body>"
        f"<h1>iris softmax: accuracy {acc:.3f}, loss {loss:.4f}</h1>"
        "<h2>cars by origin (vega_datasets)</h2>"
        f"<table><tr><th>origin</th><th>mpg</th><th>hp</th></tr>{rows}</table></body></html>"
    )


def build_media(ctx: dict[str, Any]) -> dict[str, Any]:
    """Every available media type, keyed by the name it is logged/saved under."""
    out: dict[str, Any] = {}
    skipped: list[str] = ctx["skipped"]

    def attempt(key: str, type_name: str, make: Callable[[Any], Any]) -> None:
        cls = media_cls(type_name)
        if cls is None:
            skipped.append(f"{key} ({type_name} not in this installation)")
            return
        try:
            out[key] = make(cls)
        except MissingDependencyError as exc:
            skipped.append(f"{key} ({exc})")

    model, x, y, lo, hi = ctx["model"], ctx["x"], ctx["y"], ctx["lo"], ctx["hi"]
    attempt(
        "eval/decision_boundary",
        "image-file",
        lambda Image: Image(
            _boundary_image(model, lo, hi, x),
            caption="decision boundary (petal length × width)",
            masks={
                "predictions": {
                    "mask_data": model.boundary(lo, hi).astype(np.uint8),
                    "class_labels": dict(enumerate(SPECIES)),
                }
            },
            boxes={
                "species": {
                    "box_data": _boxes(x, y, lo, hi),
                    "class_labels": dict(enumerate(SPECIES)),
                }
            },
        ),
    )
    attempt(
        "eval/boundary_over_time",
        "video-file",
        lambda Video: Video(
            np.stack(ctx["frames"]).transpose(0, 3, 1, 2),
            fps=4,
            caption="decision boundary per epoch",
        ),
    )
    attempt(
        "eval/loss_as_sound",
        "audio-file",
        lambda Audio: Audio(_sonify(ctx["losses"]), sample_rate=16000, caption="loss, sonified"),
    )
    attempt(
        "weights/histogram", "histogram", lambda Histogram: Histogram(model.w.ravel(), num_bins=16)
    )
    iris = ctx["iris"]
    points = np.column_stack(
        [
            iris[["sepalLength", "sepalWidth", "petalLength"]].to_numpy(np.float64),
            y + 1,  # categories 1..3
        ]
    )
    attempt("data/iris_points", "object3D-file", lambda Object3D: Object3D(points, caption="iris"))
    attempt(
        "data/ethanol",
        "molecule-file",
        lambda Molecule: Molecule.from_smiles("CCO", caption="ethanol"),
    )
    attempt(
        "report/html",
        "html-file",
        lambda Html: Html(_html_report(ctx["cars"], ctx["accs"][-1], ctx["losses"][-1])),
    )

    def predictions(Table: Any) -> Any:
        frame = iris.copy()
        p = model.probs(x, normalized=False)
        frame["predicted"] = [SPECIES[i] for i in p.argmax(1)]
        frame["confidence"] = p.max(1).round(4)
        return Table(dataframe=frame)

    attempt("eval/predictions", "table-file", predictions)

    def stocks_figure(Plotly: Any) -> Any:
        stocks = ctx["stocks"]
        traces = [
            {
                "type": "scatter",
                "mode": "lines",
                "name": sym,
                "x": part["date"].dt.strftime("%Y-%m-%d").tolist(),
                "y": part["price"].tolist(),
            }
            for sym, part in stocks.groupby("symbol")
        ]
        layout = {"title": {"text": "stock prices (vega_datasets)"}}
        return Plotly({"data": traces, "layout": layout}, caption="stocks")

    attempt("data/stocks_plotly", "plotly-file", stocks_figure)
    return out


AREA_PRESET = {
    "mark": {"type": "area", "line": True, "opacity": 0.4},
    "title": "${string:title:loss}",
    "encoding": {
        "x": {"field": "${field:x}", "type": "quantitative"},
        "y": {"field": "${field:y}", "type": "quantitative"},
    },
}


def _custom_area(table: Any) -> Any:
    """A user preset: registered once, then filled like a built-in one."""
    chart_fn("register_preset")("demo/area", AREA_PRESET)  # type: ignore[misc]
    return chart_fn("plot_table")(  # type: ignore[misc]
        "demo/area", table, {"x": "epoch", "y": "loss"}, {"title": "training loss (area)"}
    )


def build_charts(ctx: dict[str, Any]) -> dict[str, Any]:
    """One chart per available preset, from vega_datasets' bundled data."""
    out: dict[str, Any] = {}
    skipped: list[str] = ctx["skipped"]
    Table = media_cls("table-file")
    if Table is None or media_cls("chart") is None:
        skipped.append("charts (the charts package is not in this installation)")
        return out
    cars, stocks, weather = ctx["cars"], ctx["stocks"], ctx["weather"]
    model, x, y = ctx["model"], ctx["x"], ctx["y"]
    probs = model.probs(x, normalized=False)
    history = Table(columns=["epoch", "loss"], data=[[i, v] for i, v in enumerate(ctx["losses"])])
    cars_t = Table(dataframe=cars[["Name", "Horsepower", "Miles_per_Gallon"]].dropna())
    counts = weather["weather"].value_counts().sort_index()
    weather_t = Table(columns=["weather", "days"], data=[[k, int(v)] for k, v in counts.items()])
    symbols = sorted(stocks["symbol"].unique())
    stocks_t = Table(
        columns=["month", "price", "symbol"],
        data=[
            [m, float(p), s]
            for s in symbols
            for m, p in enumerate(stocks[stocks.symbol == s]["price"].to_numpy()[:60])
        ],
    )
    series = [stocks[stocks.symbol == s]["price"].to_numpy()[:60] for s in symbols]
    months = weather["date"].dt.month
    kinds = sorted(weather["weather"].unique())
    matrix = [  # rows are the heatmap's y labels (kinds), columns its x labels (months)
        [int(((months == m) & (weather["weather"] == k)).sum()) for m in range(1, 13)]
        for k in kinds
    ]

    makers: dict[str, Callable[[], Any]] = {
        "charts/line": lambda: chart_fn("line")(history, "epoch", "loss", title="training loss"),  # type: ignore[misc]
        "charts/line_stroke": lambda: chart_fn("line")(  # type: ignore[misc]
            stocks_t,
            "month",
            "price",
            stroke="symbol",
            title="stock prices, first 60 months of each symbol",
        ),
        "charts/scatter": lambda: chart_fn("scatter")(  # type: ignore[misc]
            cars_t, "Horsepower", "Miles_per_Gallon", title="cars: horsepower vs mpg"
        ),
        "charts/bar": lambda: chart_fn("bar")(
            weather_t, "weather", "days", title="Seattle weather"
        ),  # type: ignore[misc]
        "charts/histogram": lambda: chart_fn("histogram")(  # type: ignore[misc]
            cars_t, "Miles_per_Gallon", title="cars: mpg"
        ),
        "charts/line_series": lambda: chart_fn("line_series")(  # type: ignore[misc]
            list(range(60)),
            series,
            keys=symbols,
            title="stock prices (first 60 months)",
            xname="month",
        ),
        "charts/pr_curve": lambda: chart_fn("pr_curve")(y, probs, labels=SPECIES),  # type: ignore[misc]
        "charts/roc_curve": lambda: chart_fn("roc_curve")(y, probs, labels=SPECIES),  # type: ignore[misc]
        "charts/confusion_matrix": lambda: chart_fn("confusion_matrix")(  # type: ignore[misc]
            probs=probs, y_true=y, class_names=SPECIES
        ),
        "charts/heatmap": lambda: chart_fn("heatmap")(  # type: ignore[misc]
            [f"{m:02d}" for m in range(1, 13)], kinds, matrix, title="Seattle weather by month"
        ),
        "charts/heatmap_text": lambda: chart_fn("heatmap")(  # type: ignore[misc]
            [f"{m:02d}" for m in range(1, 13)], kinds, matrix, show_text=True
        ),
        "charts/custom_scatter": lambda: chart_fn("plot_table")(  # type: ignore[misc]
            "scatter", cars_t, {"x": "Horsepower", "y": "Miles_per_Gallon"}
        ),
        "charts/custom_area": lambda: _custom_area(history),
    }
    needs = {k: k.split("/")[1] for k in makers}
    needs |= {
        "charts/custom_scatter": "plot_table",
        "charts/custom_area": "register_preset",
        "charts/line_stroke": "line",
        "charts/heatmap_text": "heatmap",
    }
    for key, make in makers.items():
        if chart_fn(needs[key]) is None:
            skipped.append(f"{key} (charts.{needs[key]} not in this installation)")
            continue
        out[key] = make()
    return out


# ----------------------------------------------------------------------------- writing


def _prepare(epochs: int) -> dict[str, Any]:
    data = _datasets()
    iris = data.iris()
    x = iris[["petalLength", "petalWidth"]].to_numpy(np.float64)
    y = iris["species"].map({s: i for i, s in enumerate(SPECIES)}).to_numpy()
    lo, hi = x.min(0) - 0.3, x.max(0) + 0.3
    ctx: dict[str, Any] = {
        "iris": iris,
        "cars": data.cars(),
        "stocks": data.stocks(),
        "weather": data.seattle_weather(),
        "x": x,
        "y": y,
        "lo": lo,
        "hi": hi,
        "model": Model(x, y),
        "losses": [],
        "accs": [],
        "frames": [],
        "skipped": [],
        "live": False,  # True when a run consumes the per-epoch media
    }
    return ctx


def _train(ctx: dict[str, Any], epochs: int, log: Callable[[dict[str, Any], int], None]) -> None:
    """Train; log scalars every epoch, the weight histogram every epoch and the decision boundary
    every 4th epoch (media are only built when a run consumes them)."""
    model = ctx["model"]
    Histogram, Image = media_cls("histogram"), media_cls("image-file")
    for epoch in range(epochs):
        loss, acc = model.step()
        ctx["losses"].append(loss)
        ctx["accs"].append(acc)
        frame = _boundary_image(model, ctx["lo"], ctx["hi"], ctx["x"])
        ctx["frames"].append(frame)
        row: dict[str, Any] = {"train/loss": loss, "train/acc": acc, "epoch": epoch}
        if ctx["live"]:
            if Histogram is not None:
                row["train/weights"] = Histogram(model.w.ravel(), num_bins=16)
            if Image is not None and (epoch % 4 == 0 or epoch == epochs - 1):
                row["train/boundary"] = Image(frame, caption=f"epoch {epoch}")
        log(row, epoch)


def _run_api() -> Any | None:
    mt = importlib.import_module("mediatypes")
    return getattr(mt, "init", None) if "init" in getattr(mt, "_LAZY", {}) else None


def write_run(out: Path, epochs: int) -> tuple[Path, dict[str, Any]]:
    """Write the demo into ``out``; returns the folder to validate and a report."""
    ctx = _prepare(epochs)
    init = _run_api()
    if init is not None:
        run = init(
            dir=str(out),
            project="mediatypes-demo",
            config={
                "model": "softmax",
                "features": ["petalLength", "petalWidth"],
                "epochs": epochs,
            },
        )
        ctx["live"] = True
        if hasattr(run, "define_metric"):
            run.define_metric("train/loss", summary="min")
            run.define_metric("train/acc", summary="max")
        _train(ctx, epochs, lambda row, step: run.log(row, step=step))
        items = {**build_media(ctx), **build_charts(ctx)}
        run.log(items, step=epochs)
        run.summary["final/acc"] = ctx["accs"][-1]
        run.summary["final/loss"] = ctx["losses"][-1]
        run.finish()
        where = Path(str(getattr(run, "dir", "") or getattr(run, "path", "") or out))
        mode = "run"
    else:
        _train(ctx, epochs, lambda row, step: None)
        items = {**build_media(ctx), **build_charts(ctx)}
        out.mkdir(parents=True, exist_ok=True)
        for key, obj in items.items():
            obj.save(out, key)
        where, mode = out, "standalone"
    report = {
        "mode": mode,
        "dir": str(where),
        "logged": sorted(items),
        "skipped": ctx["skipped"],
        "final_acc": ctx["accs"][-1] if ctx["accs"] else None,
    }
    return where, report


def run(args: argparse.Namespace) -> int:
    from ._output import UsageError
    from .validate import check_path

    if args.epochs < 1:
        raise UsageError(f"--epochs expects a positive number; got {args.epochs}")
    start = time.perf_counter()
    where, report = write_run(Path(args.dir), args.epochs)
    problems, counts = check_path(Path(args.dir))
    report.update(
        valid=not problems,
        problems=[str(p) for p in problems],
        checked=counts,
        seconds=round(time.perf_counter() - start, 2),
    )
    if args.json:
        emit_json(report)
    else:
        print(f"demo {report['mode']} written to {where}: {len(report['logged'])} media and charts")
        for item in report["logged"]:
            print(f"  {item}")
        for item in report["skipped"]:
            print(f"  skipped {item}", file=sys.stderr)
        for p in problems:
            print(p)
        verdict = "valid" if not problems else f"{len(problems)} problem(s)"
        print(f"mediatypes validate {args.dir}: {verdict}")
        print(f"open it with: mediatypes info {where}")
    return 0 if not problems else 1


__all__ = ["Model", "add_parser", "build_charts", "build_media", "run", "write_run"]
