"""The transport contract: MemoryTransport and DirectoryTransport behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json
from mediatypes.errors import InvalidInputError, InvalidTypeError, TransportError
from mediatypes.transports import SCHEMES, resolve

from .helpers import OFF, Png, strip

MAKERS: dict[str, Callable[[Path], mt.Transport]] = {
    "memory": lambda tmp: mt.MemoryTransport(),
    "directory": lambda tmp: mt.DirectoryTransport(tmp / "run"),
}


@pytest.fixture(params=sorted(MAKERS))
def transport(request: pytest.FixtureRequest, tmp_path: Path) -> mt.Transport:
    return MAKERS[request.param](tmp_path)


def test_protocol_round_trip(transport: mt.Transport) -> None:
    assert not transport.exists()
    assert transport.read("history.jsonl") is None
    transport.open()
    transport.set_meta(b'{"id": "x"}')
    assert transport.exists()
    transport.append_rows(b'{"_step": 0}\n')
    transport.append_rows(b'{"_step": 1}\n{"_step": 2}\n')
    transport.set_summary(b'{"a": 1}')
    transport.set_summary(b'{"a": 2}')
    rel = transport.write_file("diff.patch", b"patch")
    transport.append_file("output.log", b"hello ")
    transport.append_file("output.log", b"world")
    ref, created = transport.media_store().put("img", b"\x89PNG", "png")
    assert created and ref["path"].startswith("media/img_")
    transport.close()
    assert transport.read("run.json") == b'{"id": "x"}'
    assert transport.read("history.jsonl") == b'{"_step": 0}\n{"_step": 1}\n{"_step": 2}\n'
    assert transport.read("summary.json") == b'{"a": 2}'
    assert rel == "files/diff.patch" and transport.read(rel) == b"patch"
    assert transport.read("files/output.log") == b"hello world"
    assert transport.read(ref["path"]) == b"\x89PNG"


def test_append_after_close_is_an_error(transport: mt.Transport) -> None:
    transport.open()
    transport.close()
    with pytest.raises(TransportError):
        transport.append_rows(b"{}\n")


def test_resume_appends(transport: mt.Transport) -> None:
    transport.open()
    transport.append_rows(b"{}\n")
    transport.close()
    transport.open(resume=True)
    transport.append_rows(b"{}\n")
    transport.close()
    assert transport.read("history.jsonl") == b"{}\n{}\n"


def _script(run: mt.Run) -> None:
    run.define_metric("loss", summary="min,last")
    for i in range(20):
        run.log(
            {"loss": 1.0 / (i + 1), "nested": {"x": i}, "img": Png(np.full((8, 8, 3), i, np.uint8))}
        )
    run.log({"extra": float("nan")}, commit=False)
    run.summary["best"] = 7
    run.config.lr = 0.5


def test_same_run_same_documents(tmp_path: Path, png_type: None) -> None:
    """A whole run through each transport gives the same rows, summary and metadata."""
    out = {}
    for name, make in MAKERS.items():
        tr = make(tmp_path / name)
        run = mt.init(transport=tr, id="same", **OFF)
        _script(run)
        run.finish()
        rows = strip([_json.loads(x) for x in (tr.read("history.jsonl") or b"").splitlines()])
        summary = _json.loads(tr.read("summary.json") or b"{}")
        for k in ("_timestamp", "_runtime"):
            summary.pop(k)
        meta = _json.loads(tr.read("run.json") or b"{}")
        for k in ("started_at", "finished_at", "pid", "command"):
            meta.pop(k)
        media = {r["img"]["path"]: tr.read(r["img"]["path"]) for r in rows if "img" in r}
        out[name] = (rows, summary, meta, media)
    assert out["memory"] == out["directory"]
    rows, summary, meta, media = out["memory"]
    assert len(rows) == 21 and rows[-1] == {"extra": {"_nonfinite": "NaN"}, "_step": 20}
    assert summary["loss"] == {"min": 0.05, "last": 0.05} and summary["best"] == 7
    assert meta["config"] == {"lr": 0.5} and meta["state"] == "finished"
    assert len(media) == 20 and all(data and data.startswith(b"\x89PNG") for data in media.values())


def test_resolve_strings(tmp_path: Path) -> None:
    tr = resolve(f"dir:{tmp_path / 'x'}")
    assert isinstance(tr, mt.DirectoryTransport) and tr.dir == tmp_path / "x"
    assert isinstance(resolve("memory:"), mt.MemoryTransport)
    same = mt.MemoryTransport()
    assert resolve(same) is same
    assert isinstance(resolve(tmp_path / "p"), mt.DirectoryTransport)
    with pytest.raises(InvalidInputError, match="known scheme"):
        resolve("nosuch://bucket")
    with pytest.raises(InvalidInputError):
        resolve("memory:extra")
    with pytest.raises(InvalidTypeError, match="transport"):
        resolve(42)


def test_init_dir_layout(tmp_path: Path) -> None:
    run = mt.init(dir=tmp_path, id="abc", project="p", **OFF)
    assert run.dir == tmp_path / "abc"
    run.log({"a": 1})
    run.finish()
    assert sorted(p.name for p in (tmp_path / "abc").iterdir()) == [
        "history.jsonl",
        "run.json",
        "summary.json",
    ]
    with pytest.raises(InvalidInputError, match="either"):
        mt.init(dir=tmp_path, transport="memory:", **OFF)


def test_transport_strings_resolve_through_the_scheme_registry(tmp_path: Path) -> None:
    assert {"dir", "memory"} <= set(SCHEMES)
    assert isinstance(resolve(f"dir:{tmp_path / 'x'}"), mt.DirectoryTransport)
    assert isinstance(resolve("memory:"), mt.MemoryTransport)
    with pytest.raises(InvalidInputError, match="known scheme"):
        resolve("nosuch:thing")
    with pytest.raises(InvalidInputError, match="needs a folder"):
        resolve("dir:")
    with pytest.raises(InvalidInputError, match="not both"):
        mt.init(dir=tmp_path, transport="memory:")
    with pytest.raises(InvalidInputError, match="not both"):
        mt.init(dir=tmp_path, transport=mt.MemoryTransport())
