"""``run.watch(model)``: histograms of a PyTorch model's gradients and/or parameters.

How it stays cheap: after the first backward pass, a single ``register_post_accumulate_grad_hook``
on one *sentinel* parameter counts backward passes — one Python call and one counter check per
pass, no tensor touched. On every ``log_freq``-th pass it queues one callback with the autograd
engine that runs when that backward pass has finished, so every gradient is fully accumulated; only
then are histograms computed (straight from the tensors, no copies kept) and logged with
``commit=False``: they join the row of the caller's next ``log`` and never create a step.

The sentinel is chosen in the first backward pass, which hooks every trainable parameter once: it
is the parameter that received its gradient last, i.e. the one nearest the input (a shared trunk
rather than one of several heads), so frozen and unused parameters are never the sentinel. A later
backward pass that does not reach the sentinel is not counted.

Keys: ``gradients/<name>`` and ``parameters/<name>`` with PyTorch's parameter names
(``named_parameters()``, e.g. ``gradients/fc1.weight``), optionally ``prefix``-ed. Parameters whose
gradient is ``None`` in a logging pass get no ``gradients/`` histogram for that pass.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from typing import TYPE_CHECKING, Any

from .. import _registry
from .._optional import require
from ..errors import InvalidInputError, InvalidTypeError, RunError, describe

if TYPE_CHECKING:
    from .run import Run

__all__ = ["LOG_CHOICES", "Watcher", "unwatch", "watch"]

LOG_CHOICES = ("gradients", "parameters", "all")

_lock = threading.Lock()
# run -> {id(model): Watcher}; weak on the run so a forgotten run does not pin models
_watchers: weakref.WeakKeyDictionary[Any, dict[int, Watcher]] = weakref.WeakKeyDictionary()


class Watcher:
    """The hook state of one watched model (create it with ``run.watch``)."""

    def __init__(
        self,
        run: Run,
        model: Any,
        log: str,
        log_freq: int,
        num_bins: int,
        prefix: str,
    ) -> None:
        self.torch = require("torch", "watch")
        self._run = weakref.ref(run)
        self.model = weakref.ref(model)
        self.gradients = log in ("gradients", "all")
        self.parameters = log in ("parameters", "all")
        self.log_freq = log_freq
        self.num_bins = num_bins
        self.prefix = prefix
        self.passes = 0  # backward passes counted so far
        self.logged = 0  # logging passes so far
        self._histogram = _registry.media_class("histogram")
        # runs a function when the current backward pass has finished (what DDP/FSDP use)
        engine = self.torch.autograd.Variable._execution_engine
        self._queue: Any = getattr(engine, "queue_callback", None)
        if self._queue is None:  # pragma: no cover - torch >= 2.1 has both
            raise RunError(
                f"watch: torch {self.torch.__version__} has no autograd queue_callback; "
                "watch needs torch >= 2.1."
            )
        self._named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not self._named:
            raise InvalidInputError(
                f"watch: `model` has no parameters that require grad ({type(model).__name__}); "
                "there is nothing to watch."
            )
        self._handles = [
            p.register_post_accumulate_grad_hook(self._on_first) for _, p in self._named
        ]
        self._order: list[Any] = []  # parameters in the order the first pass accumulated them

    def _on_first(self, param: Any) -> None:
        # First backward pass only: every trainable parameter reports once.
        if not self._order:
            self._count()
            self._queue(self._pick_sentinel)
        self._order.append(param)

    def _pick_sentinel(self) -> None:
        if not self._handles:  # removed during the first pass
            return
        for h in self._handles:
            h.remove()
        self._handles = [self._order[-1].register_post_accumulate_grad_hook(self._on_backward)]
        self._order = []

    def _on_backward(self, _param: Any) -> None:
        # The only code that runs on every later backward pass: keep it to a counter check.
        self._count()

    def _count(self) -> None:
        self.passes += 1
        if self.passes % self.log_freq == 0:
            self._queue(self._log)

    def _log(self) -> None:
        """Runs when the logging backward pass has finished: histograms, logged without commit."""
        run = self._run()
        if run is None or run.finished:
            return
        hist = self._histogram
        data: dict[str, Any] = {}
        with self.torch.no_grad():
            for name, p in self._named:
                key = self.prefix + name
                if self.gradients and p.grad is not None:
                    data[f"gradients/{key}"] = hist(p.grad, num_bins=self.num_bins)
                if self.parameters:
                    data[f"parameters/{key}"] = hist(p, num_bins=self.num_bins)
        self.logged += 1
        if not data:
            return
        # PyTorch names hold dots ("fc1.weight"), which the metric-name check warns about once per
        # new key; keeping PyTorch's names verbatim is deliberate here, so that warning is noise.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r"log: metric name '(gradients|parameters)/", category=Warning
            )
            run.log(data, commit=False)

    def remove(self) -> None:
        """Remove the hooks (idempotent)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __repr__(self) -> str:
        what = (
            "all"
            if self.gradients and self.parameters
            else ("gradients" if self.gradients else "parameters")
        )
        return f"<Watcher log={what!r} log_freq={self.log_freq} passes={self.passes}>"


def _check_model(model: Any) -> None:
    torch = require("torch", "watch")
    if not isinstance(model, torch.nn.Module):
        raise InvalidTypeError(f"watch: `model` expects a torch.nn.Module; got {describe(model)}.")


def watch(
    run: Run,
    model: Any,
    log: str | None = "gradients",
    log_freq: int = 100,
    *,
    num_bins: int = 64,
    prefix: str = "",
) -> Watcher | None:
    """Log histograms of ``model``'s gradients / parameters every ``log_freq`` backward passes.

    ``log``: ``"gradients"`` (default), ``"parameters"``, ``"all"``, or ``None`` (watch nothing).
    Watching the same model again replaces the previous watch. Hooks are removed by
    ``run.unwatch(model)`` and when the run finishes.

    >>> run.watch(model, log="all", log_freq=50)  # doctest: +SKIP
    """
    if log is not None and log not in LOG_CHOICES:
        raise InvalidInputError(
            f"watch: `log` expects 'gradients', 'parameters', 'all' or None; got {log!r}."
        )
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise InvalidInputError(f"watch: `log_freq` expects a positive int; got {log_freq!r}.")
    max_bins = int(_registry.media_class("histogram").MAX_BINS)
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or not 1 <= num_bins <= max_bins:
        raise InvalidInputError(f"watch: `num_bins` expects 1 to {max_bins}; got {num_bins!r}.")
    if not isinstance(prefix, str):
        raise InvalidTypeError(f"watch: `prefix` expects a str; got {describe(prefix)}.")
    _check_model(model)
    if run.finished:
        raise RunError(f"watch: run {run.id!r} is finished; start a new one with init().")
    unwatch(run, model)
    if log is None:
        return None
    w = Watcher(run, model, log, log_freq, num_bins, prefix)
    with _lock:
        _watchers.setdefault(run, {})[id(model)] = w
    return w


def unwatch(run: Run, model: Any = None) -> None:
    """Remove the hooks of ``model`` (or of every model watched by ``run`` when None)."""
    with _lock:
        table = _watchers.get(run)
        if not table:
            return
        if model is None:
            removed = list(table.values())
            table.clear()
        else:
            w = table.get(id(model))
            removed = [w] if w is not None and w.model() is model else []
            if removed:
                del table[id(model)]
    for w in removed:
        w.remove()
