"""Every code example of the seed documents is run by a test, or is out of scope for a reason.

The tests are ``test_seed_snippets`` (charts, Object3D), ``test_seed_media`` (images, video,
audio, histograms, Html, tables, molecules) and ``test_seed_runs`` (init, config, log, steps,
summary, define_metric, the history API, watch). When the seeds are present (not in CI), the tests
here check that each copy is verbatim at its seed file and line, and scan the seeds so that no
example is left out: every fenced Python block, and every line of prose that calls or assigns an
SDK name (`wandb.X(args)`, `wandb.X[...]`, `wandb.X = ...`, `with wandb.init(...)`), must be a
copied snippet or be listed below.

Out of scope (listed in ``OUT_OF_SCOPE``; not faked):

* 000_bc6ac167b44a0278.md line 578, 001_e1cf267fe651b906.md line 422, 002_c5dcefa6519db3c2.md
  line 89 — ``api = wandb.Api(); run = api.run("username/project/run_id")``: a query against the
  reference's hosted server by account, project and run id. mediatypes is local-first and has no
  server; the local counterpart of the rest of that example (a finished run's summary holding a
  tensor) is ``mediatypes.open_run(path).summary["tensor"] = ...``, tested in
  ``tests/runs/test_summary_edit.py``.
"""

from __future__ import annotations

import importlib
import re

import pytest

from .snippets import S0, S1, S2, SEEDS, Snippet

OUT_OF_SCOPE: dict[tuple[str, int], str] = {
    (seed, line): "wandb.Api(): a query against the reference's hosted server"
    for seed, line in [(S0, 578), (S1, 422), (S2, 89)]
}

MODULES = ("test_seed_snippets", "test_seed_media", "test_seed_runs")

# a call with arguments, a subscript or an assignment on an SDK name, or a run started in a block
SDK_CODE = re.compile(r"wandb\.[A-Za-z_][\w.]*\s*(\((?!\\?\))|\[|=(?!=))|with wandb\.init\(")
FENCED = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


def all_snippets() -> dict[str, Snippet]:
    found: dict[str, Snippet] = {}
    for name in MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for key, value in vars(module).items():
            if isinstance(value, Snippet):
                found[f"{name}.{key}"] = value
    return found


SNIPPETS = all_snippets()
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"seed documents not present at {SEEDS}"
)


def seed_lines(seed: str) -> list[str]:
    return (SEEDS / seed).read_text(encoding="utf-8").split("\n")


@needs_seeds
@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets_match_the_seeds(name: str) -> None:
    snippet = SNIPPETS[name]
    body = snippet.code.rstrip("\n").split("\n")
    for seed, line in snippet.sources:
        lines = seed_lines(seed)
        if snippet.form == "inline":
            assert f"`{snippet.code}`" in lines[line - 1]
        elif snippet.form == "text" and len(body) == 1:
            assert snippet.code in lines[line - 1]
        elif snippet.form == "text":
            assert lines[line - 1 : line - 1 + len(body)] == body
        else:
            assert snippet.form == "block"
            assert lines[line - 2].startswith("```python")  # the whole fenced block
            assert lines[line - 1 : line - 1 + len(body)] == body
            assert lines[line - 1 + len(body)] == "```"


@needs_seeds
def test_every_example_of_the_seeds_is_run_or_out_of_scope() -> None:
    blocks, lines = set(), set()
    for path in sorted(SEEDS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        fenced: set[int] = set()
        for m in FENCED.finditer(text):
            first = text[: m.start(1)].count("\n") + 1
            blocks.add((path.name, first))
            fenced.update(range(first - 1, first + m.group(1).count("\n") + 1))
        for number, line in enumerate(text.split("\n"), 1):
            if number not in fenced and SDK_CODE.search(line):
                lines.add((path.name, number))
    covered_blocks, covered_lines = set(), set()
    for snippet in SNIPPETS.values():
        for seed, first in snippet.sources:
            if snippet.form == "block":
                covered_blocks.add((seed, first))
            else:
                covered_lines.update((seed, first + i) for i in range(snippet.nlines))
    assert blocks - covered_blocks - set(OUT_OF_SCOPE) == set(), "fenced blocks not covered"
    assert lines - covered_lines - set(OUT_OF_SCOPE) == set(), "lines of SDK code not covered"
    assert covered_blocks <= blocks and set(OUT_OF_SCOPE) <= blocks
    assert not covered_blocks & set(OUT_OF_SCOPE)


def test_out_of_scope_examples_are_in_the_docstring() -> None:
    doc = " ".join((__doc__ or "").split())
    for seed, line in OUT_OF_SCOPE:
        assert f"{seed} line {line}" in doc
