"""``open_run`` on an untrusted directory: it never evaluates anything, never reads or follows a
path out of the run folder, and damaged documents give MediaErrors or warnings, not tracebacks.
Html and Table content is stored inert and read back as the same bytes / strings."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import importlib
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mediatypes import _json
from mediatypes.errors import MediaError

from ._util import outcome

pytest.importorskip("mediatypes.runs")

import mediatypes as mt
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)
SCRIPT = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
CELL = "__import__('os').system('touch PWNED')"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A real, finished run with several media types and a summary tensor."""
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        run.log(
            {
                "loss": 0.5,
                "img": mt.Image(np.arange(16, dtype=np.uint8).reshape(4, 4)),
                "page": mt.Html(SCRIPT, inject=False),
                "table": mt.Table(columns=["code"], data=[[CELL]]),
                "hist": mt.Histogram([1, 2, 3]),
            }
        )
        run.summary["weights"] = np.arange(6, dtype=np.float32).reshape(2, 3)
    return tmp_path / "r"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [
        _json.loads(line) for line in (path / "history.jsonl").read_bytes().splitlines() if line
    ]


def _rewrite_row(path: Path, key: str, change: dict[str, Any]) -> None:
    rows = _rows(path)
    rows[0][key] = {**rows[0][key], **change}
    (path / "history.jsonl").write_bytes(b"".join(_json.dumps(r) + b"\n" for r in rows))


def test_content_is_inert_and_round_trips(run_dir: Path) -> None:
    r = mt.open_run(run_dir)
    html = r.media("page")
    ref = _rows(run_dir)[0]["page"]
    assert (run_dir / ref["path"]).read_bytes() == SCRIPT.encode()  # stored as given, not run
    assert html is not None
    assert r.media("table").get_column("code") == [CELL]
    assert not list(run_dir.rglob("PWNED")) and not Path("PWNED").exists()
    assert problems(run_dir) == []


@pytest.mark.parametrize(
    "evil", ["os:system", "subprocess:run", "builtins.eval", "mediatypes.cli:main"]
)
def test_reading_imports_nothing_outside_mediatypes(
    run_dir: Path, evil: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No manifest field can make the reader import or evaluate anything: ``_type`` values that
    look like import paths are refused by the schema before any loader runs."""
    _rewrite_row(run_dir, "hist", {"_type": evil})
    imported: list[str] = []
    real_import = importlib.import_module

    def spy(name: str, *a: Any, **k: Any) -> Any:
        imported.append(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", spy)
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: pytest.fail("eval called"))
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: pytest.fail("exec called"))
    r = mt.open_run(run_dir)
    assert outcome(lambda: r.media("hist")) is not None
    assert problems(run_dir), "a manifest of unknown type must be reported"
    assert all(n.startswith("mediatypes") for n in imported), imported


@pytest.mark.parametrize(
    "path",
    [
        "../../outside.png",
        "/etc/passwd",
        "media/../../outside.png",
        "media/link.png",
        "media/linkdir/x.png",
    ],
)
def test_media_paths_never_leave_the_run(run_dir: Path, path: str) -> None:
    outside = run_dir.parent / "outside.png"
    data = (run_dir / _rows(run_dir)[0]["img"]["path"]).read_bytes()
    outside.write_bytes(data)  # a valid PNG outside the run, with the right hash
    (run_dir / "media" / "link.png").symlink_to(outside)
    (run_dir / "media" / "linkdir").symlink_to(run_dir.parent)
    (run_dir.parent / "x.png").write_bytes(data)
    _rewrite_row(run_dir, "img", {"path": path})
    r = mt.open_run(run_dir)
    exc = outcome(lambda: r.media("img"))
    assert isinstance(exc, MediaError), "an escaping media path was followed"
    found = problems(run_dir)
    assert found, "problems() must report the escaping path"


def test_summary_tensor_path_never_leaves_the_run(run_dir: Path) -> None:
    summary = _json.loads((run_dir / "summary.json").read_bytes())
    summary["weights"]["_tensor"]["path"] = "../../../etc/passwd"
    (run_dir / "summary.json").write_bytes(_json.dumps(summary))
    r = mt.open_run(run_dir)
    assert isinstance(outcome(lambda: r.media("weights")), MediaError)


DAMAGE = {
    "run.json truncated": ("run.json", lambda b: b[: len(b) // 2]),
    "run.json not an object": ("run.json", lambda b: b"[1, 2]"),
    "run.json bad metrics": (
        "run.json",
        lambda b: _json.dumps({**_json.loads(b), "metrics": {"x": 5}}),
    ),
    "run.json bad config": ("run.json", lambda b: _json.dumps({**_json.loads(b), "config": [1]})),
    "summary.json truncated": ("summary.json", lambda b: b[: len(b) // 2]),
    "summary.json a list": ("summary.json", lambda b: b"[1]"),
    "history garbage line": ("history.jsonl", lambda b: b"\x00\xff garbage\n" + b),
    "history truncated": ("history.jsonl", lambda b: b[: len(b) - 7]),
    "history a list row": ("history.jsonl", lambda b: b"[1, 2]\n" + b),
    "history deep nesting": ("history.jsonl", lambda b: b"[" * 5000 + b"]" * 5000 + b"\n" + b),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_run_documents(run_dir: Path, case: str) -> None:
    name, damage = DAMAGE[case]
    target = run_dir / name
    target.write_bytes(damage(target.read_bytes()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)

        def read_everything() -> None:
            r = mt.open_run(run_dir)
            _ = (r.summary, r.config, r.state, r.history(), r.keys())
            for key in ("img", "table", "hist"):
                with contextlib.suppress(KeyError):  # the row holding it was damaged away
                    r.media(key)

        outcome(read_everything)
        found = outcome(lambda: problems(run_dir))
    assert found is None, f"problems() raised {found!r} instead of reporting"


def test_file_changed_after_writing_is_reported(run_dir: Path) -> None:
    ref = _rows(run_dir)[0]["img"]
    (run_dir / ref["path"]).write_bytes(b"\x89PNG\r\n\x1a\n")
    assert any("sha256" in p or "differ" in p for p in problems(run_dir))
    assert isinstance(outcome(lambda: mt.open_run(run_dir).media("img")), MediaError)
    assert hashlib.sha256(b"").hexdigest() != ref["sha256"]
    assert os.listdir(run_dir)
