"""Table-driven step / commit rules (SPEC §5, seeds 002/003/004) and the older history API."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import mediatypes as mt
from mediatypes.errors import RunError
from mediatypes.runs.history import RunWarning

from .helpers import memory_run, strip

Op = Callable[[mt.Run], Any]


@dataclass
class StepCase:
    name: str
    ops: list[Op]
    rows: list[dict[str, Any]]
    init: dict[str, Any] = field(default_factory=dict)
    warnings: int = 0
    raises: type[BaseException] | None = None


def log(data: dict[str, Any], **kw: Any) -> Op:
    return lambda run: run.log(data, **kw)


def add(row: dict[str, Any] | None = None) -> Op:
    return lambda run: run.history.add(row)


def set_row(key: str, value: Any) -> Op:
    def op(run: mt.Run) -> None:
        run.history.row[key] = value

    return op


def update_row(data: dict[str, Any]) -> Op:
    return lambda run: run.history.row.update(data)


def step_block(cond: bool, *inner: Op) -> Op:
    def op(run: mt.Run) -> None:
        with run.history.step(cond):
            assert run.history.compute is cond
            for o in inner:
                o(run)
        assert run.history.compute is True

    return op


CASES = [
    # seed 002/004: "each time you call log, we increment the step"
    StepCase(
        "new step per call",
        [log({"a": 1}), log({"a": 2})],
        [{"a": 1, "_step": 0}, {"a": 2, "_step": 1}],
    ),
    # seed 002: several metrics in one call share a step
    StepCase(
        "several keys one step",
        [log({"acc": 0.9, "loss": 0.1})],
        [{"acc": 0.9, "loss": 0.1, "_step": 0}],
    ),
    # seed 002 example: commit=False, then the committing call
    StepCase(
        "commit=False accumulates",
        [log({"loss": 0.2}, commit=False), log({"accuracy": 0.8})],
        [{"loss": 0.2, "accuracy": 0.8, "_step": 0}],
    ),
    # seed 004 example: the older alias complete=False
    StepCase(
        "complete=False alias",
        [log({"loss": 0.2}, complete=False), log({"accuracy": 0.8})],
        [{"loss": 0.2, "accuracy": 0.8, "_step": 0}],
    ),
    StepCase(
        "commit=True flushes an accumulated row",
        [
            log({"a": 1}, commit=False),
            log({"b": 2}, commit=False),
            log({}, commit=True),
            log({"c": 3}),
        ],
        [{"a": 1, "b": 2, "_step": 0}, {"c": 3, "_step": 1}],
    ),
    # seed 002: same step value collects into one dict; a different one writes it
    StepCase(
        "step= same step merges, larger step commits",
        [log({"loss": 0.2}, step=0), log({"acc": 0.5}, step=0), log({"loss": 0.1}, step=1)],
        [{"loss": 0.2, "acc": 0.5, "_step": 0}, {"loss": 0.1, "_step": 1}],
    ),
    StepCase(
        "step= same key same step: last value wins",
        [log({"a": 1}, step=0), log({"a": 2}, step=0)],
        [{"a": 2, "_step": 0}],
    ),
    StepCase(
        "step= may jump forward",
        [log({"a": 1}, step=0), log({"a": 2}, step=10)],
        [{"a": 1, "_step": 0}, {"a": 2, "_step": 10}],
    ),
    StepCase(
        "step= row stays open until a plain log commits it",
        [log({"a": 1}, step=3), log({"b": 2}), log({"c": 3})],
        [{"a": 1, "b": 2, "_step": 3}, {"c": 3, "_step": 4}],
    ),
    StepCase(
        "step= with commit=True commits at once",
        [log({"a": 1}, step=2, commit=True), log({"b": 2})],
        [{"a": 1, "_step": 2}, {"b": 2, "_step": 3}],
    ),
    StepCase(
        "step= with commit=False behaves like step=",
        [
            log({"a": 1}, step=1, commit=False),
            log({"b": 2}, step=1, commit=False),
            log({"c": 3}, step=2),
        ],
        [{"a": 1, "b": 2, "_step": 1}, {"c": 3, "_step": 2}],
    ),
    StepCase(
        "commit=False then a larger step commits the open row at its step",
        [log({"a": 1}, commit=False), log({"b": 2}, step=3)],
        [{"a": 1, "_step": 0}, {"b": 2, "_step": 3}],
    ),
    StepCase(
        "numpy int step",
        [lambda run: run.log({"a": 1}, step=__import__("numpy").int64(4))],
        [{"a": 1, "_step": 4}],
    ),
    StepCase(
        "smaller step kept as its own row, one warning",
        [
            log({"a": 1}),
            log({"a": 2}),
            log({"late": 1}, step=0),
            log({"late": 2}, step=1),
            log({"a": 3}),
        ],
        [
            {"a": 1, "_step": 0},
            {"a": 2, "_step": 1},
            {"late": 1, "_step": 0},
            {"late": 2, "_step": 1},
            {"a": 3, "_step": 2},
        ],
        warnings=1,
    ),
    StepCase(
        "smaller step dropped by policy, with a warning",
        [log({"a": 1}), log({"a": 2}), log({"late": 1}, step=0)],
        [{"a": 1, "_step": 0}, {"a": 2, "_step": 1}],
        init={"late_step_policy": "drop"},
        warnings=1,
    ),
    StepCase(
        "smaller step raises by policy",
        [log({"a": 1}), log({"a": 2}), log({"late": 1}, step=0)],
        [{"a": 1, "_step": 0}, {"a": 2, "_step": 1}],
        init={"late_step_policy": "raise"},
        raises=RunError,
    ),
    StepCase("empty log writes nothing", [log({}), log({"a": 1})], [{"a": 1, "_step": 0}]),
    StepCase(
        "finish commits the open row",
        [log({"a": 1}), log({"b": 2}, commit=False)],
        [{"a": 1, "_step": 0}, {"b": 2, "_step": 1}],
    ),
    StepCase(
        "nested dicts become a/b keys",
        [log({"a": {"b": 1, "c": {"d": 2}}, "e": 3})],
        [{"a/b": 1, "a/c/d": 2, "e": 3, "_step": 0}],
    ),
    # seed 004: history.row is mutable; add() or log() saves it and starts a new row
    StepCase(
        "history.row + add()",
        [set_row("x", 1), update_row({"y": 2}), add(), set_row("x", 3), add()],
        [{"x": 1, "y": 2, "_step": 0}, {"x": 3, "_step": 1}],
    ),
    StepCase(
        "history.add(row)",
        [add({"z": 3}), add({"z": 4})],
        [{"z": 3, "_step": 0}, {"z": 4, "_step": 1}],
    ),
    StepCase(
        "history.row saved by log()",
        [set_row("x", 1), log({"y": 2})],
        [{"x": 1, "y": 2, "_step": 0}],
    ),
    StepCase(
        "log(complete=False) updates history.row",
        [
            log({"a": 1}, complete=False),
            lambda run: run.history.row.__getitem__("a") == 1 or 1 / 0,
            add(),
        ],
        [{"a": 1, "_step": 0}],
    ),
    # seed 004: the step context manager calls add at its end; compute mirrors the condition
    StepCase(
        "with history.step(True) writes one row at the end",
        [step_block(True, update_row({"metric": 1}), add({"n": 2}), set_row("o", 3))],
        [{"metric": 1, "n": 2, "o": 3, "_step": 0}],
    ),
    StepCase(
        "with history.step(False) keeps the row open for the next commit",
        [
            step_block(False, update_row({"cheap": 1})),
            step_block(False, update_row({"cheap": 2})),
            step_block(True, update_row({"expensive": 9})),
        ],
        [{"cheap": 2, "expensive": 9, "_step": 0}],
    ),
    StepCase(
        "history.step blocks in a loop",
        [step_block(i % 2 == 0, update_row({"i": i})) for i in range(5)],
        [{"i": 0, "_step": 0}, {"i": 2, "_step": 1}, {"i": 4, "_step": 2}],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_step_rules(case: StepCase) -> None:
    run = memory_run(**case.init)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.raises is not None:
            for op in case.ops[:-1]:
                op(run)
            with pytest.raises(case.raises):
                case.ops[-1](run)
        else:
            for op in case.ops:
                op(run)
    run.finish()
    assert strip(run.transport.rows) == case.rows
    late = [w for w in caught if issubclass(w.category, RunWarning)]
    assert len(late) == case.warnings, [str(w.message) for w in late]


def test_nested_step_blocks_refused() -> None:
    run = memory_run()
    with run.history.step(True), pytest.raises(RunError, match="nested"), run.history.step(True):
        pass
    run.finish()


def test_exception_in_step_block_keeps_values() -> None:
    run = memory_run()
    with pytest.raises(ZeroDivisionError), run.history.step(True):
        run.history.row["a"] = 1
        1 / 0  # noqa: B018
    run.finish()  # nothing lost: the open row is written at finish
    assert strip(run.transport.rows) == [{"a": 1, "_step": 0}]


def test_module_level_functions_use_the_current_run() -> None:
    assert mt.run is None and mt.summary is None
    with pytest.raises(RunError, match="init"):
        mt.log({"a": 1})
    run = memory_run()
    assert mt.run is run and mt.summary is run.summary
    mt.log({"a": 1})
    mt.define_metric("a", summary="max")
    mt.log({"a": 0})
    mt.finish()
    assert mt.run is None
    assert strip(run.transport.rows) == [{"a": 1, "_step": 0}, {"a": 0, "_step": 1}]
    assert run.transport.summary["a"] == {"max": 0}


def test_step_property_and_rows_have_clock_fields() -> None:
    run = memory_run()
    assert run.step == 0
    run.log({"a": 1})
    run.log({"a": 2}, step=7)
    assert run.step == 7
    run.finish()
    rows = run.transport.rows
    assert rows[0]["_timestamp"] <= rows[1]["_timestamp"]
    assert 0 <= rows[0]["_runtime"] <= rows[1]["_runtime"]


# ---- model-based: random sequences of log() calls against a tiny reference model -----------
try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    _ops = st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from("abcd"), st.integers(0, 9), max_size=3),
            st.one_of(st.none(), st.integers(0, 6)),
            st.sampled_from([None, True, False]),
        ),
        max_size=25,
    )

    def _model(ops: list[tuple[dict[str, int], int | None, bool | None]]) -> list[dict]:
        """SPEC §5 written as plainly as possible (late rows kept as their own rows)."""
        cur, open_row, rows = 0, {}, []

        def commit() -> None:
            nonlocal cur, open_row
            if open_row:
                rows.append({**open_row, "_step": cur})
                cur, open_row = cur + 1, {}

        for data, step, flag in ops:
            if step is None:
                open_row.update(data)
                if flag is not False:
                    commit()
            elif step < cur:
                if data:
                    rows.append({**data, "_step": step})
            else:
                if step > cur:
                    commit()
                    cur = step
                open_row.update(data)
                if flag:
                    commit()
        commit()
        return rows

    @given(_ops)
    def test_random_sequences_match_the_model(ops: list) -> None:
        run = memory_run()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunWarning)
            for data, step, flag in ops:
                run.log(data, step=step, commit=flag)
        run.finish()
        assert strip(run.transport.rows) == _model(ops)
