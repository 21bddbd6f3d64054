"""Contract case for Plotly: the figure JSON reads back with plotly.io into the same figure."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import mediatypes as mt

from .case import Case

_GEN = Path(__file__).parents[2] / "fixtures" / "gen_plotly.py"


def _figure() -> Any:
    spec = importlib.util.spec_from_file_location("gen_plotly", _GEN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.figure()


def _check(manifest: dict[str, Any], root: Path) -> None:
    import plotly.io as pio

    back = pio.from_json((root / manifest["path"]).read_text())
    assert back.to_dict() == _figure().to_dict()
    assert manifest["num_traces"] == 2


CASES = [Case("plotly-figure", lambda: mt.Plotly(_figure(), caption="demo"), _check)]
