"""The wheel ships both packages, their py.typed markers, the schemas and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mediatypes import schemas

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_schemas_and_markers(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mediatypes-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mediatypes/py.typed" in names and "charts/py.typed" in names
    shipped = {Path(n).stem for n in names if n.startswith("mediatypes/_schemas/")}
    assert shipped == {p.stem for p in (ROOT / "schemas").glob("*.json")}
    assert set(schemas.names()) < shipped
    presets = {Path(n).name for n in names if n.startswith("charts/presets/")}
    assert presets == {p.name for p in (ROOT / "charts" / "presets").glob("*.json")}
    static = {Path(n).name for n in names if n.startswith("mediatypes/view/static/")}
    assert static == {p.name for p in (ROOT / "mediatypes" / "view" / "static").iterdir()}
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mediatypes = mediatypes.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
