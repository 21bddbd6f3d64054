"""``define_metric``: custom x-axes and summaries per metric name or ``prefix*`` glob.

Rules:

* ``name`` is an exact key or a glob ending in ``*`` (a prefix match, ``"val/*"``); a ``*``
  anywhere else is an error. An exact definition beats any glob; among globs the longest prefix wins.
* ``summary`` is a comma-separated subset of ``min, max, mean, first, last, best, none``.
  ``best`` needs ``goal`` (``"minimize"`` / ``"maximize"``; ``objective`` is an alias). With a
  ``summary`` the summary value of the key is a dict ``{"min": …, "max": …}``; ``"none"`` keeps
  the key out of the summary.
* ``step_metric`` names the key used as the x-axis; with ``step_sync`` (default True) a committed
  row that has the metric but not its step metric gets the step metric's last value. This applies
  to media keys as well.
* ``hidden`` metrics are recorded and kept, but left out of the reader's default listings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidInputError, InvalidTypeError

__all__ = ["AGGREGATES", "MetricRegistry", "MetricSpec"]

AGGREGATES = ("min", "max", "mean", "first", "last", "best", "none")
_GOALS = {"minimize": "minimize", "min": "minimize", "maximize": "maximize", "max": "maximize"}


@dataclass(frozen=True)
class MetricSpec:
    name: str
    step_metric: str | None = None
    summary: tuple[str, ...] | None = None
    goal: str | None = None
    hidden: bool = False
    step_sync: bool = True

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["summary"] = list(self.summary) if self.summary is not None else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MetricSpec:
        summary = data.get("summary")
        return cls(
            name=data["name"],
            step_metric=data.get("step_metric"),
            summary=tuple(summary) if summary is not None else None,
            goal=data.get("goal"),
            hidden=bool(data.get("hidden", False)),
            step_sync=bool(data.get("step_sync", True)),
        )


def _parse_summary(summary: Any, goal: str | None) -> tuple[str, ...] | None:
    if summary is None:
        return None
    if isinstance(summary, str):
        parts = [p.strip() for p in summary.split(",") if p.strip()]
    elif isinstance(summary, (list, tuple)) and all(isinstance(p, str) for p in summary):
        parts = [p.strip() for p in summary]
    else:
        raise InvalidTypeError(
            f"define_metric: `summary` expects a string like 'min,max'; got {type(summary).__name__}."
        )
    bad = [p for p in parts if p not in AGGREGATES]
    if bad or not parts:
        raise InvalidInputError(
            f"define_metric: `summary` expects a comma-separated subset of {', '.join(AGGREGATES)}; "
            f"got {summary!r}."
        )
    if "none" in parts and len(parts) > 1:
        raise InvalidInputError(
            f"define_metric: `summary` 'none' cannot be combined with other aggregates; got {summary!r}."
        )
    if "best" in parts and goal is None:
        raise InvalidInputError(
            "define_metric: `summary` 'best' needs `goal='minimize'` or `goal='maximize'` (or "
            "the same as `objective=`, the reference SDK's name)."
        )
    return tuple(dict.fromkeys(parts))


class MetricRegistry:
    """The metric definitions of one run; ``resolve(key)`` is cached per key."""

    def __init__(self) -> None:
        self.exact: dict[str, MetricSpec] = {}
        self.globs: list[tuple[str, MetricSpec]] = []  # (prefix, spec), longest prefix first
        self._cache: dict[str, MetricSpec | None] = {}
        self.any_summary = False
        self.any_step_sync = False

    def define(
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
        if not isinstance(name, str) or not name:
            raise InvalidTypeError(f"define_metric: `name` expects a non-empty str; got {name!r}.")
        if "*" in name[:-1]:
            raise InvalidInputError(
                f"define_metric: `name` globs may only end in '*' (a prefix match like 'val/*'); "
                f"got {name!r}."
            )
        if step_metric is not None and (not isinstance(step_metric, str) or "*" in step_metric):
            raise InvalidInputError(
                f"define_metric: `step_metric` expects a metric name without '*'; got {step_metric!r}."
            )
        if objective is not None and goal is not None and _GOALS.get(objective) != _GOALS.get(goal):
            raise InvalidInputError(
                f"define_metric: `goal` {goal!r} and its alias `objective` {objective!r} disagree."
            )
        raw_goal = goal if goal is not None else objective
        norm_goal = None
        if raw_goal is not None:
            if raw_goal not in _GOALS:
                raise InvalidInputError(
                    f"define_metric: `goal` expects 'minimize' or 'maximize'; got {raw_goal!r}."
                )
            norm_goal = _GOALS[raw_goal]
        spec = MetricSpec(
            name=name,
            step_metric=step_metric,
            summary=_parse_summary(summary, norm_goal),
            goal=norm_goal,
            hidden=bool(hidden),
            step_sync=True if step_sync is None else bool(step_sync),
        )
        self.add(spec)
        return spec

    def add(self, spec: MetricSpec) -> None:
        if spec.name.endswith("*"):
            prefix = spec.name[:-1]
            self.globs = [g for g in self.globs if g[0] != prefix]
            self.globs.append((prefix, spec))
            self.globs.sort(key=lambda g: -len(g[0]))
        else:
            self.exact[spec.name] = spec
        self._cache.clear()
        specs = self.specs()
        self.any_summary = any(s.summary is not None for s in specs)
        self.any_step_sync = any(s.step_metric is not None and s.step_sync for s in specs)

    def specs(self) -> list[MetricSpec]:
        return [*self.exact.values(), *(s for _, s in self.globs)]

    def resolve(self, key: str) -> MetricSpec | None:
        try:
            return self._cache[key]
        except KeyError:
            pass
        spec = self.exact.get(key)
        if spec is None:
            for prefix, candidate in self.globs:
                if key.startswith(prefix):
                    spec = candidate
                    break
        self._cache[key] = spec
        return spec

    def to_json(self) -> dict[str, dict[str, Any]]:
        return {s.name: s.to_json() for s in self.specs()}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> MetricRegistry:
        reg = cls()
        for item in (data or {}).values():
            reg.add(MetricSpec.from_json(item))
        return reg
