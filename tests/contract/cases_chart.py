"""Contract cases for charts: the written .vl.json is rendered straight from the file with vl-convert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .case import Case


def _line() -> Any:
    import charts
    from mediatypes.table import Table

    return charts.line(
        Table(columns=["x", "y"], data=[[0, 1.0], [1, 0.5], [2, 0.75]]), "x", "y", title="t"
    )


def _confusion() -> Any:
    import charts

    return charts.confusion_matrix(
        y_true=[0, 1, 1, 2], preds=[0, 1, 2, 2], class_names=["a", "b", "c"]
    )


def _check(manifest: dict[str, Any], root: Path) -> None:
    import vl_convert as vlc

    spec = json.loads((root / manifest["path"]).read_text("utf-8"))
    table = json.loads((root / manifest["table"]["path"]).read_text("utf-8"))
    assert len(spec["data"]["values"]) == table["nrows"]
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    assert "role-mark" in svg


CASES = [Case("chart-line", _line, _check), Case("chart-confusion", _confusion, _check)]
