"""The run-directory corpus (``fixtures/corrupt/runs/<damage>/``): each damaged run opens with a
warning or gives a MediaError, ``problems()`` reports it (the intact one has none), ``recover``
repairs what it can, and ``mediatypes validate`` reports it without a traceback. Nothing outside
the copy of the run is read or written."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from mediatypes.errors import MediaError

from ._util import CORRUPT, outcome

pytest.importorskip("mediatypes.runs")

import mediatypes as mt
from mediatypes.cli import main as cli_main
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems, recover

RUNS = sorted(p.name for p in (CORRUPT / "runs").iterdir())
# open_run must still read these (the damage is in one row, the summary, or a media file)
READABLE = {"valid", "killed-mid-row", "garbage-line", "summary-truncated", "media-missing",
            "media-truncated", "media-escape", "temp-file-left"}  # fmt: skip


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / "runs" / name
    shutil.copytree(CORRUPT / "runs" / name, target, symlinks=True)
    return target


@pytest.mark.parametrize("name", RUNS)
def test_damaged_runs_open_or_fail_clearly(name: str, tmp_path: Path) -> None:
    path = _copy(name, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)

        def read() -> None:
            r = mt.open_run(path)
            _ = (r.state, r.config, r.summary, r.history(), r.keys())
            if any("img" in row for row in r.history()):
                r.media("img")

        exc = outcome(read)
    if name == "valid":
        assert exc is None
    elif name in READABLE and name not in ("media-missing", "media-truncated", "media-escape"):
        assert exc is None, exc
    else:
        assert isinstance(exc, MediaError) or exc is None
    found = outcome(lambda: problems(path))
    assert found is None, f"problems() raised {found!r}"
    # a leftover temp file is not a problem (skipped by readers, removed by recover)
    clean = name in ("valid", "temp-file-left")
    assert (problems(path) == []) == clean, problems(path)


@pytest.mark.parametrize("name", ["killed-mid-row", "temp-file-left"])
def test_recover_repairs(name: str, tmp_path: Path) -> None:
    path = _copy(name, tmp_path)
    recover(path, force=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunWarning)  # nothing partial is left to warn about
        rows = mt.open_run(path).history()
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert not list(path.rglob(".tmp-*"))
    assert problems(path) == []


@pytest.mark.parametrize("name", RUNS)
def test_validate_cli_on_run_dirs(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mediatypes.cli import validate

    if not hasattr(validate, "check_run"):
        pytest.skip("this validate command does not check run directories yet")
    path = _copy(name, tmp_path)
    code = cli_main(["validate", str(path)])
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert code == (0 if name in ("valid", "temp-file-left") else 1), out
