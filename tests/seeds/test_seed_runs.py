"""The seeds' examples of the run API, run as written: ``init`` (with ``config`` from a dict,
argparse or absl flags; as a context manager), ``log`` (one row per call, ``step=``, ``commit=False``
and its older ``complete=False``), the summary (last value, set explicitly, ``define_metric``
``summary="min"/"max"``), custom x-axes (``define_metric(step_metric=...)`` with a name or a
``prefix/*`` glob), metric names, the older history API (``history.step`` / ``row`` /
``compute``), ``watch``, and the TensorFlow and PyTorch training loops.

Each snippet is verbatim (seed file and line noted; ``test_seed_coverage`` checks the copies) and
runs through the shim after the test defines what the document leaves undefined. Examples that
call ``wandb.init`` start their own runs (in ``tmp_path/runs``, see the ``work`` fixture); the
others log into a run the test started. Every run is validated and read back.

Examples that cannot run as printed, and the smallest repair each test applies after showing it:

* the ``define_metric`` glob example (002 line 131): a comma is missing after ``2 ** i``.
* the TensorFlow loop (000 line 591, 001 line 435, 004 line 67) reads ``run.config`` but never
  names the run: ``run = wandb.init(...)``. TensorFlow 1's ``tf.Session`` (and the MNIST helper)
  are not test dependencies: a stand-in session trains a softmax regression in numpy, so the
  logged numbers are real training numbers; the flags are real absl flags.
* the history context manager (004 line 103): the ``if`` body is only a comment (does not parse);
  the placeholder comment gets a statement under it.
* the curly quotes of 001 lines 517 and 519 (not Python): straight quotes.
* ``wandb.Run.watch(model)`` (003 line 22) is the page's notation for the method of a run; called
  on the class as printed, Python passes the model as ``self``: ``wandb.run.watch(model)``.
* the page of 003 indents two of its examples under list items: they run dedented.
"""

from __future__ import annotations

import argparse
import random
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import mediatypes as mt
from mediatypes.errors import InvalidInputError
from mediatypes.runs.history import RunWarning

from .snippets import (
    S0,
    S1,
    S2,
    S3,
    S4,
    SeedRun,
    Snippet,
    checked,
    does_not_parse,
    execute,
    finished,
    repair,
    rows,
    run_snippet,
    started_runs,
    values,
    where,
)

# one row: 000 line 12, 001 line 17, 004 line 15
LOG_ACCURACY = Snippet(
    [(S0, 12), (S1, 17), (S4, 15)],
    """\
wandb.log({'accuracy': 0.9, 'epoch': 5})
""",
)

# the call itself, inline code: 000 line 7, 001 line 7, 002 line 7
LOG_DICT = Snippet([(S0, 7), (S1, 7), (S2, 7)], "wandb.log(dict)", form="inline")

# several metrics in one call, inline code: 000 line 18
ACC_LOSS = Snippet([(S0, 18)], "wandb.log({'acc': 0.9, 'loss': 0.1})", form="inline")

# the same with a stray quote in the name, inline code: 002 line 21
ACC_QUOTE = Snippet([(S2, 21)], """wandb.log({"acc'": 0.9, "loss": 0.1})""", form="inline")

# custom x-axes as plain metrics, inline code: 000 line 19; 002 line 22; 000 line 542, 002 line 53
CUSTOM_STEP = Snippet([(S0, 19)], "wandb.log({'acc': 0.9, 'custom_step': 3})", form="inline")
EPOCH_BATCH = Snippet(
    [(S2, 22)], "wandb.log({'acc': 0.9, 'epoch': 3, 'batch': 117})", form="inline"
)
LOSS_EPOCH_BATCH = Snippet(
    [(S0, 542), (S2, 53)], "wandb.log({'loss': 0.1, 'epoch': 1, 'batch': 3})", form="inline"
)

# a global step, and a batch metric at step=epoch, inline code: 000 lines 673 and 675
GLOBAL_STEP = Snippet([(S0, 673)], 'wandb.log({"acc":1, "global_step":1})', form="inline")
BATCH_AT_EPOCH = Snippet([(S0, 675)], 'wandb.log({"acc":1, "batch":10}, step=epoch)', form="inline")

# the same with curly quotes (not Python), inline code: 001 lines 517 and 519
GLOBAL_STEP_CURLY = Snippet([(S1, 517)], "wandb.log({“acc”:1, “global_step”:1})", form="inline")
BATCH_AT_EPOCH_CURLY = Snippet(
    [(S1, 519)], "wandb.log({“acc”:1,”batch”:10}, step=epoch)", form="inline"
)

# epoch and validation accuracy: 000 line 629, 001 line 473
EPOCH_VAL_ACC = Snippet(
    [(S0, 629), (S1, 473)],
    """\
wandb.log({'epoch': epoch, 'val_acc': 0.94})
""",
)

# batch logging: 000 line 637, 001 line 481
BATCH_LOGGING = Snippet(
    [(S0, 637), (S1, 481)],
    """\
wandb.log({'batch': 1, 'loss': 0.3})
""",
)

# step=: 000 line 547, 001 line 391, 002 line 58
LOG_STEP = Snippet(
    [(S0, 547), (S1, 391), (S2, 58)],
    """\
wandb.log({'loss': 0.2}, step=step)
""",
)

# commit=False: 000 line 555, 001 line 399, 002 line 66
COMMIT_FALSE = Snippet(
    [(S0, 555), (S1, 399), (S2, 66)],
    """\
wandb.log({'loss': 0.2}, commit=False)
# Somewhere else when I'm ready to report this step:
wandb.log({'accuracy': 0.8})
""",
)

# the older complete=False: 004 line 23
COMPLETE_FALSE = Snippet(
    [(S4, 23)],
    """\
wandb.log({'loss': 0.2}, complete=False)
# Somewhere else when I'm ready to report this step:
wandb.log({'accuracy': 0.8})
""",
)

# a summary value set explicitly, inline code: 000 line 17; 002 line 20; in the prose of 003 line 47
SUMMARY_ACCURACY = Snippet(
    [(S0, 17)], 'wandb.run.summary["accuracy"] = best_accuracy', form="inline"
)
SUMMARY_BEST_ACCURACY = Snippet(
    [(S2, 20)], 'wandb.run.summary["best_accuracy"] = best_accuracy', form="inline"
)
SUMMARY_BEST_ACCURACY_TEXT = Snippet(
    [(S3, 47)], 'wandb.run.summary["best_accuracy"] = best_accuracy', form="text"
)

# init(config=args) and the best accuracy in the summary: 000 line 565, 001 line 409, 002 line 76, 004 line 47
SUMMARY_BEST = Snippet(
    [(S0, 565), (S1, 409), (S2, 76), (S4, 47)],
    """\
wandb.init(config=args)

best_accuracy = 0
for epoch in range(1, args.epochs + 1):
  test_loss, test_accuracy = test()
  if (test_accuracy > best_accuracy):
    wandb.run.summary["best_accuracy"] = test_accuracy
    best_accuracy = test_accuracy
""",
)

# define_metric: a custom x-axis: 002 line 111
CUSTOM_AXIS = Snippet(
    [(S2, 111)],
    """\
import wandb

wandb.init()
# define our custom x axis metric
wandb.define_metric("custom_step")
# define which metrics will be plotted against it
wandb.define_metric("validation_loss", step_metric="custom_step")

for i in range(10):
  log_dict = {
      "train_loss": 1/(i+1),
      "custom_step": i**2,
      "validation_loss": 1/(i+1)   
  }
  wandb.log(log_dict)
""",  # noqa: W291 (trailing spaces are in the seed)
)

# define_metric: a glob; a comma is missing: 002 line 131
GLOB_AXIS = Snippet(
    [(S2, 131)],
    """\
import wandb

wandb.init()
# define our custom x axis metric
wandb.define_metric("train/step")
# set all other train/ metrics to use this step
wandb.define_metric("train/*", step_metric="train/step")

for i in range(10):
  log_dict = {
      "train/step": 2 ** i  # grows exponentially with internal wandb step
      "train/loss": 1/(i+1), # x-axis is train/step
      "train/accuracy": 1 -  (1/(1+i)), # x-axis is train/step
      "val/loss": 1/(1+i), # x-axis is internal wandb step
      
  }
  wandb.log(log_dict)
""",  # noqa: W293 (trailing spaces are in the seed)
)

# define_metric: min and max summaries: 002 line 155
SUMMARY_MIN_MAX = Snippet(
    [(S2, 155)],
    """\
import wandb
import random

random.seed(1)
wandb.init()
# define a metric we are interested in the minimum of
wandb.define_metric("loss", summary="min")
# define a metric we are interested in the maximum of
wandb.define_metric("acc", summary="max")
for i in range(10):
  log_dict = {
      "loss": random.uniform(0,1/(i+1)),
      "acc": random.uniform(1/(i+1),1),
  }
  wandb.log(log_dict)
""",
)

# the older history API; the `if` has no body: 004 line 103
HISTORY_STEP = Snippet(
    [(S4, 103)],
    """\
with run.history.step(batch_idx % log_interval == 0):
  run.history.row.update({"metric": 1})
  if run.history.compute:
    # Something expensive here
""",
)

# TensorFlow 1 training loop: 000 line 591, 001 line 435, 004 line 67
TENSORFLOW = Snippet(
    [(S0, 591), (S1, 435), (S4, 67)],
    """\
wandb.init(config=flags.FLAGS)

# Start tensorflow training
with tf.Session() as sess:
  sess.run(init)

  for step in range(1, run.config.num_steps+1):
      batch_x, batch_y = mnist.train.next_batch(run.config.batch_size)
      # Run optimization op (backprop)
      sess.run(train_op, feed_dict={X: batch_x, Y: batch_y})
      # Calculate batch loss and accuracy
      loss, acc = sess.run([loss_op, accuracy], feed_dict={X: batch_x, Y: batch_y})

      wandb.log({'acc': acc, 'loss':loss}) # log accuracy and loss
""",
)

# PyTorch training loop: 000 line 610, 001 line 454, 004 line 85
PYTORCH = Snippet(
    [(S0, 610), (S1, 454), (S4, 85)],
    """\
# Start pytorch training
wandb.init(config=args)

for epoch in range(1, args.epochs + 1):
  train_loss = train(epoch)
  test_loss, test_accuracy = test()

  torch.save(model.state_dict(), 'model')

  wandb.log({"loss": train_loss, "val_loss": test_loss})
""",
)

# the unfenced examples of the scraped page 003: watch (line 22), init with a config (line 23)
WATCH = Snippet([(S3, 22)], "wandb.Run.watch(model)", form="text")
INIT_CONFIG = Snippet([(S3, 23)], "wandb.init(config=your_config_dictionary)", form="text")

# valid metric names: 003 line 34
VALID_NAMES = Snippet(
    [(S3, 34)],
    """\
with wandb.init() as run:
  run.log({"accuracy": 0.9, "val_loss": 0.1, "epoch_5": 5})
  run.log({"modelAccuracy": 0.95, "learning_rate": 0.001})
""",
    form="text",
)

# names to avoid: 003 line 38
INVALID_NAMES = Snippet(
    [(S3, 38)],
    """\
with wandb.init() as run:
  run.log({"acc,val": 0.9})  # Contains comma
  run.log({"loss-train": 0.1})  # Contains hyphen
  run.log({"test acc": 0.95})  # Contains space
  run.log({"5_fold_cv": 0.8})  # Starts with number
""",
    form="text",
)

# several metrics on one chart, indented under a list item: 003 line 49
ONE_CHART = Snippet(
    [(S3, 49)],
    """\
    with wandb.init() as run:
      run.log({"acc": 0.9, "loss": 0.1})
""",
    form="text",
)

# a custom x-axis, indented under a list item: 003 line 54
CUSTOM_X = Snippet(
    [(S3, 54)],
    """\
    with wandb.init() as run:
      run.log({'acc': 0.9, 'epoch': 3, 'batch': 117})
""",
    form="text",
)

SNIPPETS = {name: value for name, value in dict(globals()).items() if isinstance(value, Snippet)}


def last_run(work: Any) -> Any:
    """The run an example started most recently (validated), opened."""
    return checked(started_runs(work)[-1])


# ------------------------------------------------------------------------------- log: rows


@pytest.mark.parametrize(
    ("snippet", "inputs", "expected"),
    [
        (LOG_ACCURACY, {}, {"accuracy": 0.9, "epoch": 5}),
        (LOG_DICT, {"dict": {"loss": 0.5, "val": {"loss": 0.7}}}, {"loss": 0.5, "val/loss": 0.7}),
        (ACC_LOSS, {}, {"acc": 0.9, "loss": 0.1}),
        (CUSTOM_STEP, {}, {"acc": 0.9, "custom_step": 3}),
        (EPOCH_BATCH, {}, {"acc": 0.9, "epoch": 3, "batch": 117}),
        (LOSS_EPOCH_BATCH, {}, {"loss": 0.1, "epoch": 1, "batch": 3}),
        (EPOCH_VAL_ACC, {"epoch": 4}, {"epoch": 4, "val_acc": 0.94}),
        (BATCH_LOGGING, {}, {"batch": 1, "loss": 0.3}),
    ],
    ids=lambda v: f"{v.sources[0][0][:3]}:{v.sources[0][1]}" if isinstance(v, Snippet) else None,
)
def test_one_call_one_row(
    seed_run: SeedRun, snippet: Snippet, inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunWarning)  # good names: nothing to warn about
        run_snippet(snippet, **inputs)
        run_snippet(snippet, **inputs)  # each call is a new step
    reader = finished(seed_run)
    assert rows(reader) == [{**expected, "_step": 0}, {**expected, "_step": 1}]
    assert {k: v for k, v in values(reader).items() if k in expected} == expected


def test_a_stray_quote_in_a_name_is_kept_with_a_warning(seed_run: SeedRun) -> None:
    with pytest.warns(RunWarning, match=r"metric name \"acc'\" does not match") as caught:
        run_snippet(ACC_QUOTE)
    assert len(caught) == 1
    reader = finished(seed_run)
    assert rows(reader) == [{"acc'": 0.9, "loss": 0.1, "_step": 0}]


@pytest.mark.parametrize("curly", [False, True], ids=["000", "001"])
def test_a_global_step_and_a_batch_at_step_epoch(seed_run: SeedRun, curly: bool) -> None:
    first, second = (
        (GLOBAL_STEP_CURLY, BATCH_AT_EPOCH_CURLY) if curly else (GLOBAL_STEP, BATCH_AT_EPOCH)
    )
    epoch = 2
    for snippet in (first, second):
        code = snippet.code
        if curly:
            does_not_parse(code)  # “ ” are not Python quotes
            code = code.replace("“", '"').replace("”", '"')  # repair: straight quotes
        execute(code, where(snippet, "straight quotes" if curly else ""), epoch=epoch)
    reader = finished(seed_run)
    assert rows(reader) == [
        {"acc": 1, "global_step": 1, "_step": 0},
        {"acc": 1, "batch": 10, "_step": 2},  # step=epoch: the row of step 2
    ]


def test_step_collects_one_row_per_step(seed_run: SeedRun) -> None:
    run_snippet(LOG_STEP, step=0)
    mt.log({"acc": 0.5}, step=0)  # the same step: collected into one row
    run_snippet(LOG_STEP, step=1)  # a new step writes the collected row
    run_snippet(LOG_STEP, step=3)
    # a smaller step than the current one: the reference drops it; it is kept, with a warning
    with pytest.warns(RunWarning, match=r"`step` 2 is smaller than the current step 3"):
        run_snippet(LOG_STEP, step=2)
    reader = finished(seed_run)
    assert rows(reader) == [
        {"loss": 0.2, "acc": 0.5, "_step": 0},
        {"loss": 0.2, "_step": 1},
        {"loss": 0.2, "_step": 2},
        {"loss": 0.2, "_step": 3},
    ]


@pytest.mark.parametrize("snippet", [COMMIT_FALSE, COMPLETE_FALSE], ids=["commit", "complete"])
def test_commit_false_accumulates(seed_run: SeedRun, snippet: Snippet) -> None:
    run_snippet(snippet)
    reader = finished(seed_run)
    assert rows(reader) == [{"loss": 0.2, "accuracy": 0.8, "_step": 0}]


# ----------------------------------------------------------------------------------- summary


@pytest.mark.parametrize(
    ("snippet", "key"),
    [
        (SUMMARY_ACCURACY, "accuracy"),
        (SUMMARY_BEST_ACCURACY, "best_accuracy"),
        (SUMMARY_BEST_ACCURACY_TEXT, "best_accuracy"),
    ],
    ids=["000", "002", "003"],
)
def test_summary_set_explicitly(seed_run: SeedRun, snippet: Snippet, key: str) -> None:
    mt.log({key: 0.9})
    run_snippet(snippet, best_accuracy=0.95)
    mt.log({key: 0.8})  # logged later: the value set explicitly stays (the reference overwrites)
    reader = finished(seed_run)
    assert reader.summary[key] == 0.95
    assert [row[key] for row in reader.rows()] == [0.9, 0.8]  # the history keeps every value


def test_best_accuracy_with_config_from_argparse(work: Any) -> None:
    args = argparse.Namespace(epochs=5, lr=0.01)
    accuracies = iter([0.5, 0.7, 0.6, 0.9, 0.8])

    def test() -> tuple[float, float]:
        accuracy = next(accuracies)
        return 1 - accuracy, accuracy

    run_snippet(SUMMARY_BEST, args=args, test=test)
    mt.finish()
    reader = last_run(work)
    assert reader.config == {"epochs": 5, "lr": 0.01}
    assert values(reader) == {"best_accuracy": 0.9}


def test_define_metric_custom_x_axis(work: Any) -> None:
    run_snippet(CUSTOM_AXIS)
    mt.finish()
    reader = last_run(work)
    spec = reader.metrics.resolve("validation_loss")
    assert spec is not None and spec.step_metric == "custom_step"
    assert reader.metrics.resolve("train_loss") is None
    assert [(r["custom_step"], r["validation_loss"]) for r in reader.rows()] == [
        (i**2, 1 / (i + 1)) for i in range(10)
    ]


def test_define_metric_glob(work: Any) -> None:
    does_not_parse(GLOB_AXIS.code)
    # repair: the comma after the first entry of the dict
    code = repair(
        GLOB_AXIS.code,
        '"train/step": 2 ** i  # grows',
        '"train/step": 2 ** i,  # grows',
    )
    execute(code, where(GLOB_AXIS, "comma added"))
    mt.finish()
    reader = last_run(work)
    for name in ("train/loss", "train/accuracy"):
        spec = reader.metrics.resolve(name)
        assert spec is not None and spec.step_metric == "train/step"
    val = reader.metrics.resolve("val/loss")
    assert val is None or val.step_metric is None  # the internal step
    history = list(reader.rows())
    assert [r["train/step"] for r in history] == [2**i for i in range(10)]
    assert [r["_step"] for r in history] == list(range(10))


def test_define_metric_min_and_max_summaries(work: Any) -> None:
    run_snippet(SUMMARY_MIN_MAX)
    mt.finish()
    replay = random.Random(1)  # the example seeds the global generator with 1
    logged_values = [
        (replay.uniform(0, 1 / (i + 1)), replay.uniform(1 / (i + 1), 1)) for i in range(10)
    ]
    reader = last_run(work)
    assert [(r["loss"], r["acc"]) for r in reader.rows()] == logged_values
    assert reader.summary["loss"] == {"min": min(loss for loss, _ in logged_values)}
    assert reader.summary["acc"] == {"max": max(acc for _, acc in logged_values)}


# --------------------------------------------------------------------------- history API


def test_history_step_row_and_compute(seed_run: SeedRun) -> None:
    does_not_parse(HISTORY_STEP.code)
    # repair: the placeholder comment ("Something expensive here") gets a statement under it
    code = repair(
        HISTORY_STEP.code,
        "    # Something expensive here\n",
        "    # Something expensive here\n    computed.append(batch_idx)\n",
    )
    computed: list[int] = []
    log_interval = 3
    for batch_idx in range(6):
        execute(
            code,
            where(HISTORY_STEP, "if body added"),
            run=seed_run.run,
            batch_idx=batch_idx,
            log_interval=log_interval,
            computed=computed,
        )
    assert computed == [0, 3]  # history.compute is the step's condition
    reader = finished(seed_run)
    # a row is written when the condition holds; the others' values wait for the next one
    assert rows(reader) == [{"metric": 1, "_step": s} for s in range(3)]


# -------------------------------------------------------------------------- training loops


class _Batches:
    """``mnist.train.next_batch(n)``: batches of a fixed, linearly separable 2-class problem."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(512, 4))
        self.y = (self.x @ np.array([1.0, -2.0, 0.5, 1.0]) > 0).astype(int)
        self.at = 0

    def next_batch(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        i = np.arange(self.at, self.at + n) % len(self.x)
        self.at += n
        return self.x[i], self.y[i]


class _Session:
    """What the example uses of TensorFlow 1's ``tf.Session``: ``run(init)``, ``run(train_op,
    feed_dict)`` and ``run([loss_op, accuracy], feed_dict)`` of a softmax regression, in numpy."""

    def __init__(self) -> None:
        self.w = np.zeros((4, 2))
        self.losses: list[float] = []

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, fetches: Any, feed_dict: dict[str, np.ndarray] | None = None) -> Any:
        if isinstance(fetches, list):
            return [self.run(f, feed_dict) for f in fetches]
        if fetches == "init":
            self.w = np.zeros((4, 2))
            return None
        assert feed_dict is not None
        x, y = feed_dict["X"], feed_dict["Y"]
        logits = x @ self.w
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        if fetches == "train_op":
            self.w -= 0.5 * x.T @ (p - np.eye(2)[y]) / len(x)
            return None
        if fetches == "loss_op":
            loss = float(-np.log(p[np.arange(len(y)), y]).mean())
            self.losses.append(loss)
            return np.float32(loss)  # TensorFlow returns numpy scalars
        assert fetches == "accuracy"
        return np.float32((p.argmax(axis=1) == y).mean())


def test_tensorflow_loop_with_absl_flags(work: Any) -> None:
    flags = pytest.importorskip("absl.flags")
    values_ = flags.FlagValues()  # real absl flags (not the process-wide FLAGS)
    flags.DEFINE_integer("num_steps", 100, "training steps", flag_values=values_)
    flags.DEFINE_integer("batch_size", 128, "batch size", flag_values=values_)
    values_(["train.py", "--num_steps=8", "--batch_size=32"])
    session = _Session()
    inputs = {
        "flags": SimpleNamespace(FLAGS=values_),
        "tf": SimpleNamespace(Session=lambda: session),
        "mnist": SimpleNamespace(train=_Batches()),
        **{name: name for name in ("init", "train_op", "loss_op", "accuracy", "X", "Y")},
    }
    # as printed, the loop reads run.config, but no `run` was ever named
    with pytest.raises(NameError, match="'run'"):
        run_snippet(TENSORFLOW, **inputs)
    mt.finish()
    # repair: the run that init returns is the example's `run`
    code = repair(TENSORFLOW.code, "wandb.init(config=", "run = wandb.init(config=")
    session.losses = []
    execute(code, where(TENSORFLOW, "run = wandb.init"), **inputs)
    mt.finish()
    first, reader = (checked(p) for p in started_runs(work))
    assert list(first.rows()) == []  # the run of the attempt as printed holds nothing
    assert reader.config == {"num_steps": 8, "batch_size": 32}
    history = list(reader.rows())
    assert [r["_step"] for r in history] == list(range(8))
    np.testing.assert_allclose([r["loss"] for r in history], session.losses, rtol=1e-6)
    assert history[-1]["loss"] < history[0]["loss"] and history[-1]["acc"] >= 0.8


def test_pytorch_loop(work: Any) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    args = argparse.Namespace(epochs=3)
    model = torch.nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-1.0], [0.5]])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    returned: list[tuple[float, float]] = []

    def train(epoch: int) -> Any:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.detach()  # a 0-d tensor, logged as its number

    def test() -> tuple[Any, float]:
        with torch.no_grad():
            loss = torch.nn.functional.mse_loss(model(x), y)
        returned.append((float(loss), 1 / (1 + float(loss))))
        return loss, returned[-1][1]

    run_snippet(PYTORCH, args=args, train=train, test=test, model=model, torch=torch)
    mt.finish()
    reader = last_run(work)
    assert reader.config == {"epochs": 3}
    history = list(reader.rows())
    assert [r["val_loss"] for r in history] == pytest.approx([loss for loss, _ in returned])
    assert history[0]["loss"] > history[-1]["loss"]
    saved = torch.load("model", weights_only=True)  # the example's own torch.save
    assert set(saved) == {"weight", "bias"}


def test_watch(seed_run: SeedRun) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    model = torch.nn.Linear(4, 2)
    # as printed: the method called on the class, so Python takes the model for the run
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'model'"):
        run_snippet(WATCH, model=model)
    # repair: the current run's method (`wandb.run`, lower case)
    execute(repair(WATCH.code, "wandb.Run.", "wandb.run."), where(WATCH, "wandb.run"), model=model)
    x, target = torch.randn(16, 4), torch.randn(16, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(100):  # gradients are logged every 100 backward passes by default
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()
        mt.log({"loss": loss.item()})
    reader = finished(seed_run)
    with_gradients = [r for r in reader.rows() if "gradients/weight" in r]
    assert [r["_step"] for r in with_gradients] == [99]
    histogram = with_gradients[0]["gradients/weight"]
    assert histogram["_type"] == "histogram" and sum(histogram["values"]) == 8  # 4 × 2 weights


# ------------------------------------------------------------------------ the page of 003


def test_init_with_a_config_dictionary(work: Any) -> None:
    your_config_dictionary = {"lr": 0.001, "architecture": "cnn", "dataset": "data/train.csv"}
    run_snippet(INIT_CONFIG, your_config_dictionary=your_config_dictionary)
    mt.log({"loss": 0.5})
    mt.finish()
    reader = last_run(work)
    assert reader.config == your_config_dictionary


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            VALID_NAMES,
            [
                {"accuracy": 0.9, "val_loss": 0.1, "epoch_5": 5},
                {"modelAccuracy": 0.95, "learning_rate": 0.001},
            ],
        ),
        (ONE_CHART, [{"acc": 0.9, "loss": 0.1}]),
        (CUSTOM_X, [{"acc": 0.9, "epoch": 3, "batch": 117}]),
    ],
    ids=["valid names", "one chart", "custom x"],
)
def test_runs_in_a_with_block(work: Any, snippet: Snippet, expected: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunWarning)
        run_snippet(snippet)
    assert mt.run is None  # the with block finished the run
    reader = last_run(work)
    assert reader.meta["state"] == "finished"
    assert rows(reader) == [{**row, "_step": i} for i, row in enumerate(expected)]


def test_names_to_avoid_are_kept_with_a_warning_each(work: Any) -> None:
    with pytest.warns(RunWarning) as caught:
        run_snippet(INVALID_NAMES)
    named = [str(w.message).split("'")[1] for w in caught if "metric name" in str(w.message)]
    assert named == ["acc,val", "loss-train", "test acc", "5_fold_cv"]
    reader = last_run(work)
    assert rows(reader) == [
        {"acc,val": 0.9, "_step": 0},
        {"loss-train": 0.1, "_step": 1},
        {"test acc": 0.95, "_step": 2},
        {"5_fold_cv": 0.8, "_step": 3},
    ]


# ----------------------------------------------------------- what the prose says, as code
# Not examples, but keyword names and behaviour the seeds' prose describes around them.


def test_define_metric_summary_values_and_objective(seed_run: SeedRun) -> None:
    """002 line 152: ``summary`` accepts "min", "max", "mean", "best", "last" and "none"; "best"
    only with ``objective`` ("minimize" / "maximize")."""
    run = seed_run.run
    for kind in ("min", "max", "mean", "last", "none"):
        run.define_metric(f"m_{kind}", summary=kind)
    run.define_metric("best_up", summary="best", objective="maximize")
    run.define_metric("best_down", summary="best", objective="minimize")
    with pytest.raises(InvalidInputError, match=r"'best' needs .*`objective=`"):
        run.define_metric("no_objective", summary="best")
    for v in (3, 1, 2):
        mt.log(
            {
                name: v
                for name in (
                    *(f"m_{k}" for k in ("min", "max", "mean", "last", "none")),
                    "best_up",
                    "best_down",
                )
            }
        )
    reader = finished(seed_run)
    assert values(reader) == {
        "m_min": {"min": 1},
        "m_max": {"max": 3},
        "m_mean": {"mean": 2.0},
        "m_last": {"last": 2},
        "best_up": {"best": 3},
        "best_down": {"best": 1},
    }  # "none": left out of the summary
    assert [r["m_none"] for r in reader.rows()] == [3, 1, 2]  # but kept in the history


def test_history_row_is_saved_by_add_or_log(seed_run: SeedRun) -> None:
    """000 line 586, 004 lines 59-63: ``run.history.row`` is a mutable dict of the open row, saved
    (and a new row started) by ``run.history.add`` or ``wandb.log``; ``complete=False`` updates
    the row without saving it."""
    run = seed_run.run
    run.history.row["loss"] = 0.5
    run.history.row.update({"acc": 0.7})
    assert dict(run.history.row) == {"loss": 0.5, "acc": 0.7}
    run.history.add()  # saved
    assert dict(run.history.row) == {}  # a new row
    run.history.add({"loss": 0.4})
    run.history.row["acc"] = 0.8
    mt.log({"loss": 0.3})  # log saves the row as well
    mt.log({"acc": 0.9}, complete=False)
    assert dict(run.history.row) == {"acc": 0.9}  # updated, not saved
    reader = finished(seed_run)  # finishing saves it
    assert rows(reader) == [
        {"loss": 0.5, "acc": 0.7, "_step": 0},
        {"loss": 0.4, "_step": 1},
        {"acc": 0.8, "loss": 0.3, "_step": 2},
        {"acc": 0.9, "_step": 3},
    ]
