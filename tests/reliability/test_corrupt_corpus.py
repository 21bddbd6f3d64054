"""The corrupt-file corpus (``fixtures/corrupt``, made by ``fixtures/gen_corrupt.py``).

Every damaged file is read as input by the media type that accepts its format, in a separate
interpreter per format (a segfault or a hang fails the test instead of killing the suite). Each
must give a MediaError with a message, or — for damage that a lenient decoder survives — a valid
object whose ``save()`` writes a schema-valid manifest. The intact original must load and save.
Broken manifests are reported by ``mediatypes validate`` without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mediatypes
from mediatypes import _json
from mediatypes.cli import main as cli_main

from ._util import CORRUPT, outcome, run_isolated

# format folder -> public class that reads it as input
READERS = {
    "png": "Image",
    "jpeg": "Image",
    "gif": "Image",
    "mp4": "Video",
    "wav": "Audio",
    "flac": "Audio",
    "glb": "Object3D",
    "obj": "Object3D",
    "pdb": "Molecule",
    "sdf": "Molecule",
}
# Damage no reader can survive: there is no content left to decode.
MUST_FAIL = {"empty", "header", "garbage"}

_READ_ALL = """
import json, signal, sys, tempfile, traceback
from pathlib import Path
import mediatypes
from mediatypes import schemas
from mediatypes.errors import MediaError
cls = getattr(mediatypes, {cls!r})
def alarm(*_):
    raise TimeoutError("hang")
signal.signal(signal.SIGALRM, alarm)
out = {{}}
for path in sorted(Path({folder!r}).iterdir()):
    signal.alarm(20)
    try:
        obj = cls(str(path))
        with tempfile.TemporaryDirectory() as tmp:
            m = obj.save(tmp, name="item")
            schemas.validate(m)
        out[path.stem] = "ok"
    except MediaError as exc:
        out[path.stem] = type(exc).__name__ if str(exc).strip() else "EMPTY-MESSAGE"
    except BaseException as exc:
        out[path.stem] = "BUG " + type(exc).__name__ + ": " + str(exc)[:200] + " " + traceback.format_exc()[-600:]
    finally:
        signal.alarm(0)
print(json.dumps(out))
"""


def _reader(name: str) -> str:
    if name not in mediatypes.__all__:
        pytest.skip(f"mediatypes.{name} is not on this branch yet")
    return name


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_corrupt_inputs_give_clear_errors(fmt: str) -> None:
    cls = _reader(READERS[fmt])
    folder = CORRUPT / fmt
    results = run_isolated(_READ_ALL.format(cls=cls, folder=str(folder)), timeout=120)
    assert set(results) == {p.stem for p in folder.iterdir()}
    bugs = {k: v for k, v in results.items() if v.startswith(("BUG", "EMPTY"))}
    assert not bugs, json.dumps(bugs, indent=1)
    assert results["valid"] == "ok", results
    survived = sorted(k for k in MUST_FAIL if results[k] == "ok")
    assert not survived, f"{cls} accepted content-free files: {survived}"


def _manifest_cases() -> list[Path]:
    return sorted((CORRUPT / "manifests").glob("*.manifest.json"))


def _problems_by_file(out: str) -> dict[str, list[str]]:
    """``validate``'s text report (``<file>: <problem>`` lines) grouped by manifest name."""
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        head, sep, problem = line.partition(".manifest.json: ")
        if sep:
            found.setdefault(Path(head).name, []).append(problem)
    return found


def test_validate_reports_each_broken_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["validate", str(CORRUPT / "manifests")])
    out = capsys.readouterr().out
    assert code == 1 and "Traceback" not in out
    problems = _problems_by_file(out)
    expected_bad = {p.name.removesuffix(".manifest.json") for p in _manifest_cases()} - {"valid"}
    assert set(problems) == expected_bad
    for name in ("escape-dotdot", "escape-absolute"):
        assert any("outside" in p or "relative path" in p for p in problems[name]), problems[name]
    assert any("missing" in p for p in problems["missing-file"])
    assert any("sha256 mismatch" in p for p in problems["changed-file"])


@pytest.mark.parametrize("path", _manifest_cases(), ids=lambda p: p.name.split(".")[0])
def test_each_manifest_alone(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["validate", str(path)])
    out = capsys.readouterr().out
    assert code == (0 if path.name.startswith("valid.") else 1)
    assert "Traceback" not in out


def test_validate_never_reads_outside_through_a_symlinked_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manifest that names a file through a symlink leading out of its folder is refused."""
    import hashlib

    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"top secret")
    folder = tmp_path / "run"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "link.bin").symlink_to(secret)
    good = _json.loads((CORRUPT / "manifests" / "valid.manifest.json").read_bytes())
    digest = hashlib.sha256(b"top secret").hexdigest()
    ref = {"path": "media/link.bin", "sha256": digest, "size": 10}
    (folder / "x.manifest.json").write_bytes(_json.dumps({**good, "ref": ref}))
    code = cli_main(["validate", str(folder)])
    problems = _problems_by_file(capsys.readouterr().out)
    assert code == 1
    assert any("outside" in p for p in problems["x"]), problems


_json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(
            ["../x", "/etc/passwd", "media/x.png", "", "a\\\\b", "histogram", "image-file"]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["_type", "path", "sha256", "size", "items", "schema_version", "x"]),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=15,
)


@given(doc=_json_values, raw=st.binary(max_size=64))
def test_validate_never_crashes_on_random_manifests(doc: object, raw: bytes) -> None:
    import contextlib
    import io
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.manifest.json").write_bytes(_json.dumps(doc))
        (Path(tmp) / "b.manifest.json").write_bytes(raw)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = outcome(lambda: cli_main(["validate", tmp]))
        assert code is None  # returned an exit code, raised nothing
        assert "Traceback" not in out.getvalue()
