"""Contract cases for Table: the .table.json is read back with the stdlib json module and pandas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mediatypes.table import Table

from .case import Case


def _rows() -> Table:
    return Table(
        columns=["id", "score", "label"], data=[[1, 0.5, "a"], [2, None, "b"], [3, 1e-9, None]]
    )


def _check_rows(manifest: dict[str, Any], root: Path) -> None:
    import pandas as pd

    doc = json.loads((root / manifest["path"]).read_text("utf-8"))
    assert doc["data"] == [[1, 0.5, "a"], [2, None, "b"], [3, 1e-9, None]]
    df = pd.DataFrame(doc["data"], columns=doc["columns"])
    assert df["id"].tolist() == [1, 2, 3] and doc["nrows"] == manifest["nrows"] == 3


def _frame() -> Table:
    import pandas as pd

    return Table(dataframe=pd.DataFrame({"x": [0.25, float("nan")], "flag": [True, False]}))


def _check_frame(manifest: dict[str, Any], root: Path) -> None:
    doc = json.loads((root / manifest["path"]).read_text("utf-8"))
    assert doc["data"] == [[0.25, True], [None, False]]
    assert doc["nonfinite"] == {"x": {"nan": [1]}} and manifest["nonfinite"] == {"x": {"nan": 1}}


CASES = [Case("table-rows", _rows, _check_rows), Case("table-dataframe-nan", _frame, _check_frame)]
