"""Every chart and Object3D example of the reference SDK's documents (the seeds), run as written.

The snippets below are copied verbatim from the seed documents (``/work/shared/seeds/*.md``, which
CI does not have; the file and line of each is noted, and ``test_seed_coverage`` checks the copies
whenever the seeds are present). Each runs with only its import changed
(``import wandb`` → ``from tests.seeds import reference as wandb``, see ``reference.py``) after
the test has defined the inputs the document leaves undefined (``x_values``, ``y_test``,
``sample.obj``…). Every run they log must validate (``reader.problems``), and what was logged is
read back and checked. The other examples of the seeds are in ``test_seed_media`` and
``test_seed_runs``.

Three examples cannot run exactly as printed in any library: two have unbalanced brackets and one
starts with a placeholder line. For those the test shows that the printed text does not parse,
then applies the smallest repair (named in the test) and runs the rest unchanged.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import charts
import mediatypes as mt
from charts import custom

from .snippets import (
    FIX,
    S0,
    S1,
    SeedRun,
    Snippet,
    does_not_parse,
    execute,
    finished,
    logged,
    run_snippet,
)

# wandb.plot.line: 000_bc6ac167b44a0278.md line 234
LINE = Snippet(
    [(S0, 234)],
    """\
data = [[x, y] for (x, y) in zip(x_values, y_values)]
table = wandb.Table(data=data, columns = ["x", "y"])
wandb.log({"my_custom_plot_id" : wandb.plot.line(table, "x", "y",
           title="Custom Y vs X Line Plot")})
""",
)

# wandb.plot.scatter: 000_bc6ac167b44a0278.md line 255
SCATTER = Snippet(
    [(S0, 255)],
    """\
data = [[x, y] for (x, y) in zip(class_x_scores, class_y_scores)]
table = wandb.Table(data=data, columns = ["class_x", "class_y"])
wandb.log({"my_custom_id" : wandb.plot.scatter(table,
                            "class_x", "class_y")})
""",
)

# wandb.plot.bar; as printed it does not parse (`{` and `(` never closed): 000_bc6ac167b44a0278.md line 276
BAR = Snippet(
    [(S0, 276)],
    """\
data = [[label, val] for (label, val) in zip(labels, values)]
table = wandb.Table(data=data, columns = ["label", "value"])
wandb.log({"my_bar_chart_id" : wandb.plot.bar(table, "label",
                               "value", title="Custom Bar Chart")
""",
)

# wandb.plot.histogram: 000_bc6ac167b44a0278.md line 297
HISTOGRAM = Snippet(
    [(S0, 297)],
    """\
data = [[s] for s in scores]
table = wandb.Table(data=data, columns=["scores"])
wandb.log({'my_histogram': wandb.plot.histogram(table, "scores",
                           title="Histogram")})
""",
)

# wandb.plot.pr_curve: 000_bc6ac167b44a0278.md line 318
PR_CURVE = Snippet(
    [(S0, 318)],
    """\
wandb.log({"pr" : wandb.plot.pr_curve(ground_truth, predictions,
                     labels=None, classes_to_plot=None)})
""",
)

# wandb.plot.roc_curve: 000_bc6ac167b44a0278.md line 342
ROC_CURVE = Snippet(
    [(S0, 342)],
    """\
wandb.log({"roc" : wandb.plot.roc_curve(ground_truth,
           predictions, labels=None, classes_to_plot=None)})
""",
)

# wandb.plot.confusion_matrix; as printed it does not parse (`}` closes `(`): 000_bc6ac167b44a0278.md line 366
CONFUSION_MATRIX = Snippet(
    [(S0, 366)],
    """\
wandb.log({"conf_mat" : wandb.plot.confusion_matrix(
                        probs=None,
                        y_true=ground_truth,
                        preds=predictions,
                        class_names=class_names})
""",
)

# wandb.plot.line_series: 000_bc6ac167b44a0278.md line 392
LINE_SERIES = Snippet(
    [(S0, 392)],
    """\
wandb.log({"my_custom_id" : wandb.plot.line_series(
          xs=[0, 1, 2, 3, 4],
          ys=[[10, 20, 30, 40, 50], [0.5, 11, 72, 3, 41]],
          keys=["metric Y", "metric Z"],
          title="Two Random Metrics",
          xname="x units")})
""",
)

# wandb.plot_table with a saved preset: 000_bc6ac167b44a0278.md line 413
CUSTOM_PRESET = Snippet(
    [(S0, 413)],
    """\
# Create a table with the columns to plot
table = wandb.Table(data=data, columns=["step", "height"])

# Map from the table's columns to the chart's fields
fields = {"x": "step",
          "value": "height"}

# Use the table to populate the new custom chart preset
# To use your own saved chart preset, change the vega_spec_name
my_custom_chart = wandb.plot_table(vega_spec_name="carey/new_chart",
              data_table=table,
              fields=fields,
              )
""",
)

# pyplot logged as a chart: 000_bc6ac167b44a0278.md line 433 and 001_e1cf267fe651b906.md line 217
MATPLOTLIB = Snippet(
    [(S0, 433), (S1, 217)],
    """\
import matplotlib.pyplot as plt
plt.plot([1, 2, 3, 4])
plt.ylabel('some interesting numbers')
wandb.log({"chart": plt})
""",
)

# Object3D from obj / gltf / glb files opened in text mode: 000_bc6ac167b44a0278.md line 448 and 001_e1cf267fe651b906.md line 297
MESH_FILES = Snippet(
    [(S0, 448), (S1, 297)],
    """\
wandb.log({"generated_samples":
           [wandb.Object3D(open("sample.obj")),
            wandb.Object3D(open("sample.gltf")),
            wandb.Object3D(open("sample.glb"))]})
""",
)

# Object3D from a point array; line 1 is a placeholder (`COLOR...`), not Python: 000_bc6ac167b44a0278.md line 463 and 001_e1cf267fe651b906.md line 312
POINT_CLOUD = Snippet(
    [(S0, 463), (S1, 312)],
    """\
point_cloud = np.array([[0, 0, 0, COLOR...], ...])

wandb.log({"point_cloud": wandb.Object3D(point_cloud)})
""",
)

# Object3D lidar scene with boxes coloured [123,321,111] and a vector: 000_bc6ac167b44a0278.md line 484
LIDAR_SCENE = Snippet(
    [(S0, 484)],
    """\
# Log points and boxes in W&B
wandb.log(
        {
            "point_scene": wandb.Object3D(
                {
                    "type": "lidar/beta",
                    "points": np.array(
                        [
                            [0.4, 1, 1.3], 
                            [1, 1, 1], 
                            [1.2, 1, 1.2]
                        ]
                    ),
                    "boxes": np.array(
                        [
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,1,0],
                                    [0,0,1],
                                    [1,0,0],
                                    [1,1,0],
                                    [0,1,1],
                                    [1,0,1],
                                    [1,1,1]
                                ],
                                "label": "Box",
                                "color": [123,321,111],
                            },
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,2,0],
                                    [0,0,2],
                                    [2,0,0],
                                    [2,2,0],
                                    [0,2,2],
                                    [2,0,2],
                                    [2,2,2]
                                ],
                                "label": "Box-2",
                                "color": [111,321,0],
                            }
                        ]
                    ),
                    "vectors": [
                        {"start": [0,0,0], "end": [0.1,0.2,0.5]}
                    ]
                }
            )
        }
    )
""",  # noqa: W291 (trailing spaces are in the seed)
)

# the same lidar scene without vectors: 001_e1cf267fe651b906.md line 333
LIDAR_SCENE_NO_VECTORS = Snippet(
    [(S1, 333)],
    """\
# Log points and boxes in W&B
wandb.log(
        {
            "point_scene": wandb.Object3D(
                {
                    "type": "lidar/beta",
                    "points": np.array(
                        [
                            [0.4, 1, 1.3], 
                            [1, 1, 1], 
                            [1.2, 1, 1.2]
                        ]
                    ),
                    "boxes": np.array(
                        [
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,1,0],
                                    [0,0,1],
                                    [1,0,0],
                                    [1,1,0],
                                    [0,1,1],
                                    [1,0,1],
                                    [1,1,1]
                                ],
                                "label": "Box",
                                "color": [123,321,111],
                            },
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,2,0],
                                    [0,0,2],
                                    [2,0,0],
                                    [2,2,0],
                                    [0,2,2],
                                    [2,0,2],
                                    [2,2,2]
                                ],
                                "label": "Box-2",
                                "color": [111,321,0],
                            }
                        ]
                    ),
                }
            )
        }
    )
""",  # noqa: W291 (trailing spaces are in the seed)
)

# wandb.plots.ROC, inline code: 001_e1cf267fe651b906.md line 227
ROC_OLD = Snippet(
    [(S1, 227)], "wandb.log({'roc': wandb.plots.ROC(y_test, y_probas, labels)})", form="inline"
)

# wandb.plots.precision_recall, inline code: 001_e1cf267fe651b906.md line 241
PR_OLD = Snippet(
    [(S1, 241)],
    "wandb.log({'pr': wandb.plots.precision_recall(y_test, y_probas, labels)})",
    form="inline",
)

# wandb.sklearn.plot_confusion_matrix, inline code: 001_e1cf267fe651b906.md line 255
SKLEARN_CONFUSION_MATRIX = Snippet(
    [(S1, 255)], "wandb.sklearn.plot_confusion_matrix(y_test, y_pred, labels)", form="inline"
)

# wandb.plots.HeatMap, inline code: 001_e1cf267fe651b906.md line 273
HEATMAP_OLD = Snippet(
    [(S1, 273)],
    "wandb.log({'heatmap_with_text': wandb.plots.HeatMap(x_labels, y_labels, matrix_values, show_text=False)})",
    form="inline",
)

SNIPPETS = {name: value for name, value in dict(globals()).items() if isinstance(value, Snippet)}


def cells(chart: Any) -> list[dict[str, Any]]:
    return chart.spec["data"]["values"]  # type: ignore[no-any-return]


def classification(n: int = 60, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[y] * 2
    return y, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


# -------------------------------------------------------------------------------- wandb.plot


def test_line(seed_run: SeedRun) -> None:
    x_values, y_values = [0, 1, 2, 3], [1.0, 0.5, 0.25, 0.125]
    run_snippet(LINE, x_values=x_values, y_values=y_values)
    chart = finished(seed_run).media("my_custom_plot_id")
    assert chart.preset == "line" and chart.spec["title"] == "Custom Y vs X Line Plot"
    assert cells(chart) == [{"x": x, "y": y} for x, y in zip(x_values, y_values, strict=True)]


def test_scatter(seed_run: SeedRun) -> None:
    class_x_scores, class_y_scores = [0.1, 0.4, 0.9], [0.8, 0.3, 0.2]
    run_snippet(SCATTER, class_x_scores=class_x_scores, class_y_scores=class_y_scores)
    chart = finished(seed_run).media("my_custom_id")
    assert chart.preset == "scatter"
    assert cells(chart) == [
        {"class_x": x, "class_y": y} for x, y in zip(class_x_scores, class_y_scores, strict=True)
    ]


def test_bar(seed_run: SeedRun) -> None:
    labels, values = ["cat", "dog", "bird"], [3, 5, 1]
    does_not_parse(BAR.code)
    # repair: the closing "})" the document left out, on a line of its own after the snippet
    execute(BAR.code + "})\n", f"<{S0}:276 + '}})'>", labels=labels, values=values)
    chart = finished(seed_run).media("my_bar_chart_id")
    assert chart.preset == "bar" and chart.spec["title"] == "Custom Bar Chart"
    assert cells(chart) == [{"label": a, "value": v} for a, v in zip(labels, values, strict=True)]


def test_histogram(seed_run: SeedRun) -> None:
    scores = [0.1, 0.25, 0.3, 0.9, 0.95]
    run_snippet(HISTOGRAM, scores=scores)
    chart = finished(seed_run).media("my_histogram")
    assert chart.preset == "histogram" and chart.spec["title"] == "Histogram"
    assert [c["scores"] for c in cells(chart)] == scores


@pytest.mark.parametrize(("snippet", "key"), [(PR_CURVE, "pr"), (ROC_CURVE, "roc")])
def test_pr_and_roc_curves(seed_run: SeedRun, snippet: Snippet, key: str) -> None:
    ground_truth, predictions = classification()
    run_snippet(snippet, ground_truth=ground_truth, predictions=predictions)
    chart = finished(seed_run).media(key)
    expected = charts.pr_curve if key == "pr" else charts.roc_curve
    assert chart.spec == expected(ground_truth, predictions).spec
    assert {c["class"] for c in cells(chart)} == {"0", "1", "2"}


def test_confusion_matrix(seed_run: SeedRun) -> None:
    ground_truth = np.array([0, 1, 2, 2, 1, 0, 2])
    predictions = np.array([0, 2, 2, 2, 1, 1, 0])  # predicted class ids (`preds=`)
    class_names = ["cat", "dog", "bird"]
    does_not_parse(CONFUSION_MATRIX.code)
    # repair: the last line closes `{` before the call's `(`; swap them to "…class_names)})"
    repaired = CONFUSION_MATRIX.code.replace(
        "class_names=class_names})", "class_names=class_names)})"
    )
    assert (
        repaired.count("\n") == CONFUSION_MATRIX.code.count("\n")
        and repaired != CONFUSION_MATRIX.code
    )
    execute(
        repaired,
        f"<{S0}:366, last line repaired>",
        ground_truth=ground_truth,
        predictions=predictions,
        class_names=class_names,
    )
    chart = finished(seed_run).media("conf_mat")
    counts = {(c["Actual"], c["Predicted"]): c["nPredictions"] for c in cells(chart)}
    for a, actual in enumerate(class_names):
        for p, predicted in enumerate(class_names):
            expected = int(np.sum((ground_truth == a) & (predictions == p)))
            assert counts[(actual, predicted)] == expected


def test_line_series(seed_run: SeedRun) -> None:
    run_snippet(LINE_SERIES)
    chart = finished(seed_run).media("my_custom_id")
    assert chart.preset == "line_series" and chart.spec["title"] == "Two Random Metrics"
    by_key: dict[str, list[tuple[Any, Any]]] = {}
    for c in cells(chart):
        by_key.setdefault(c["lineKey"], []).append((c["step"], c["lineVal"]))
    assert by_key == {
        "metric Y": list(zip([0, 1, 2, 3, 4], [10, 20, 30, 40, 50], strict=True)),
        "metric Z": list(zip([0, 1, 2, 3, 4], [0.5, 11, 72, 3, 41], strict=True)),
    }


def test_custom_preset(seed_run: SeedRun, monkeypatch: pytest.MonkeyPatch) -> None:
    # the preset the user saved as "carey/new_chart" (registered here instead of in an app)
    monkeypatch.setattr(custom, "_registered", dict(custom._registered))
    charts.register_preset(
        "carey/new_chart",
        {
            "mark": "area",
            "encoding": {
                "x": {"field": "${field:x}", "type": "quantitative"},
                "y": {"field": "${field:value}", "type": "quantitative"},
            },
        },
    )
    data = [[0, 1.0], [1, 1.5], [2, 2.25]]
    namespace = run_snippet(CUSTOM_PRESET, data=data)
    # the example builds the chart without logging it; a user logs it next
    mt.log({"my_custom_chart": namespace["my_custom_chart"]})
    reader = finished(seed_run)
    assert logged(reader, "my_custom_chart")["preset"] == "carey/new_chart"
    assert cells(reader.media("my_custom_chart")) == [{"step": s, "height": h} for s, h in data]


# ----------------------------------------------------------------------- wandb.plots (older)


def test_older_roc_and_precision_recall(seed_run: SeedRun) -> None:
    y_test, y_probas = classification(seed=3)
    labels = ["cat", "dog", "bird"]
    run_snippet(ROC_OLD, y_test=y_test, y_probas=y_probas, labels=labels)
    run_snippet(PR_OLD, y_test=y_test, y_probas=y_probas, labels=labels)
    reader = finished(seed_run)
    assert reader.media("roc").spec == charts.roc_curve(y_test, y_probas, labels=labels).spec
    assert reader.media("pr").spec == charts.pr_curve(y_test, y_probas, labels=labels).spec
    assert {c["class"] for c in cells(reader.media("pr"))} == set(labels)


@pytest.mark.parametrize("kind", ["class ids", "probabilities"])
def test_older_sklearn_confusion_matrix(seed_run: SeedRun, kind: str) -> None:
    y_test, y_probas = classification(seed=5)
    # the document calls y_pred "predicted probabilities"; the reference takes class ids
    y_pred = y_probas if kind == "probabilities" else y_probas.argmax(axis=1)
    labels = ["cat", "dog", "bird"]
    run_snippet(SKLEARN_CONFUSION_MATRIX, y_test=y_test, y_pred=y_pred, labels=labels)
    chart = finished(seed_run).media("confusion_matrix")
    counts = {(c["Actual"], c["Predicted"]): c["nPredictions"] for c in cells(chart)}
    predicted = y_probas.argmax(axis=1)
    for a, actual in enumerate(labels):
        for p, name in enumerate(labels):
            assert counts[(actual, name)] == int(np.sum((y_test == a) & (predicted == p)))


def test_older_heatmap_rows_are_y_labels(seed_run: SeedRun) -> None:
    x_labels, y_labels = ["le", "chat", "noir"], ["the", "black", "cat", "<res>"]
    rng = np.random.default_rng(8)
    matrix_values = rng.random((len(y_labels), len(x_labels)))  # as the reference indexed it
    run_snippet(HEATMAP_OLD, x_labels=x_labels, y_labels=y_labels, matrix_values=matrix_values)
    chart = finished(seed_run).media("heatmap_with_text")
    assert chart.preset == "heatmap"
    assert [(c["x"], c["y"], c["value"]) for c in cells(chart)] == [
        (x, y, float(matrix_values[j][i]))
        for j, y in enumerate(y_labels)
        for i, x in enumerate(x_labels)
    ]


# ------------------------------------------------------------------------------- matplotlib


def test_matplotlib(seed_run: SeedRun) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    try:
        run_snippet(MATPLOTLIB)
    finally:
        plt.close("all")
    reader = finished(seed_run)
    assert logged(reader, "chart")["_type"] == "image-file"
    pixels = reader.media("chart").to_numpy()
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and len(np.unique(pixels)) > 2


# --------------------------------------------------------------------------------- Object3D


def test_mesh_files(seed_run: SeedRun) -> None:
    pytest.importorskip("trimesh")
    for src, dst in [
        ("cube.obj", "sample.obj"),
        ("cube.gltf", "sample.gltf"),
        ("cube.bin", "cube.bin"),
        ("cube.glb", "sample.glb"),
    ]:
        shutil.copyfile(FIX / "object3d" / src, Path(dst))
    with warnings.catch_warnings():  # the example never closes the files it opens
        warnings.simplefilter("ignore", ResourceWarning)
        run_snippet(MESH_FILES)
    reader = finished(seed_run)
    items = logged(reader, "generated_samples")["items"]
    assert [(m["_type"], m["source_format"], m["num_vertices"]) for m in items] == [
        ("object3D-file", "obj", 8),
        ("object3D-file", "gltf", 8),
        ("object3D-file", "glb", 8),
    ]
    glb = items[2]
    assert reader.read_bytes(glb["path"]) == (FIX / "object3d" / "cube.glb").read_bytes()


POINT_CLOUDS = {
    "n×3": np.array([[0, 0, 0], [1, 2, 3], [0.5, 0.5, 0.5]]),
    "n×4 categories 1-14": np.array([[0, 0, 0, 1], [1, 2, 3, 14], [0.5, 0.5, 0.5, 7]]),
    # colours from intensities: 127.5 and 51.000…01 are not whole numbers; they round half up
    "n×6 rgb": np.column_stack([np.eye(3), np.array([0.5, 0.2, 1.0]) * 255, [0, 0, 0], [1, 2, 3]]),
}


@pytest.mark.parametrize("shape", sorted(POINT_CLOUDS))
def test_point_cloud(seed_run: SeedRun, shape: str) -> None:
    does_not_parse(POINT_CLOUD.code)
    placeholder, rest = POINT_CLOUD.code.split("\n", 1)
    assert placeholder == "point_cloud = np.array([[0, 0, 0, COLOR...], ...])"
    # repair: the placeholder line is the user's array; define it and run the rest as printed
    point_cloud = POINT_CLOUDS[shape]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here is clipped: no warning
        execute(rest, f"<{S0}:464>", point_cloud=point_cloud)
    reader = finished(seed_run)
    manifest = logged(reader, "point_cloud")
    assert manifest["num_points"] == 3 and "clipped" not in manifest
    back = reader.media("point_cloud")
    np.testing.assert_array_equal(back.xyz, point_cloud[:, :3])
    if shape.startswith("n×6"):
        np.testing.assert_array_equal(back.rgb, [[128, 0, 1], [51, 0, 2], [255, 0, 3]])
    if shape.startswith("n×4"):
        np.testing.assert_array_equal(back.categories, [1, 14, 7])


@pytest.mark.parametrize("snippet", [LIDAR_SCENE, LIDAR_SCENE_NO_VECTORS], ids=["000", "001"])
def test_lidar_scene(seed_run: SeedRun, snippet: Snippet) -> None:
    with pytest.warns(UserWarning) as caught:
        run_snippet(snippet)
    clip_warnings = [w for w in caught if "clipped" in str(w.message)]
    assert len(clip_warnings) == 1  # one per object, naming both boxes
    assert "boxes[0].color [123, 321, 111]; boxes[1].color [111, 321, 0]" in str(
        clip_warnings[0].message
    )
    reader = finished(seed_run)
    manifest = logged(reader, "point_scene")
    assert manifest["scene_type"] == "lidar/beta" and manifest["num_points"] == 3
    assert manifest["clipped"] == 2
    assert [(b["label"], b["color"]) for b in manifest["boxes"]] == [
        ("Box", [123, 255, 111]),
        ("Box-2", [111, 255, 0]),
    ]
    assert manifest["boxes"][1]["corners"][7] == [2.0, 2.0, 2.0]
    expected_vectors = [{"start": [0.0, 0.0, 0.0], "end": [0.1, 0.2, 0.5]}]
    assert manifest["vectors"] == (expected_vectors if snippet is LIDAR_SCENE else [])
    np.testing.assert_array_equal(
        reader.media("point_scene").xyz, [[0.4, 1, 1.3], [1, 1, 1], [1.2, 1, 1.2]]
    )
