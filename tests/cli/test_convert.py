"""``mediatypes convert`` through the real entry point in a subprocess."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediatypes import _json, schemas
from mediatypes.core.media import MANIFEST_SUFFIX

from .helpers import cli, cli_json, has

needs_image = pytest.mark.skipif(not has("image-file"), reason="Image is not on this branch yet")


def _mixed_folder(root: Path) -> dict[str, str]:
    """A folder of mixed inputs (one per available type, arrays, one corrupt PNG); returns the
    expected ``_type`` of each input's manifest, keyed by the manifest's relative name."""
    import PIL.Image

    rng = np.random.default_rng(7)
    (root / "photos" / "nested").mkdir(parents=True)
    (root / "arrays").mkdir()
    expected: dict[str, str] = {}
    PIL.Image.fromarray(rng.integers(0, 255, (24, 32, 3), np.uint8)).save(root / "photos/cat.png")
    PIL.Image.fromarray(rng.integers(0, 255, (24, 32, 3), np.uint8)).save(root / "photos/cat.jpg")
    PIL.Image.fromarray(rng.integers(0, 255, (9, 9), np.uint8)).save(root / "photos/nested/dog.bmp")
    expected |= {
        "photos/cat-png": "image-file",
        "photos/cat-jpg": "image-file",
        "photos/nested/dog": "image-file",
    }
    np.save(root / "arrays/gray.npy", rng.random((20, 30)))
    expected["arrays/gray"] = "image-file"
    np.savez(root / "arrays/pair.npz", left=rng.random((8, 8, 3)), right=rng.random((8, 8)))
    expected |= {"arrays/pair/left": "image-file", "arrays/pair/right": "image-file"}
    if has("video-file"):
        np.save(root / "arrays/clip.npy", rng.integers(0, 255, (4, 3, 16, 16), np.uint8))
        expected["arrays/clip"] = "video-file"
    if has("audio-file"):
        import soundfile

        tone = np.sin(np.arange(4000) / 7).astype(np.float32) * 0.5
        soundfile.write(root / "tone.wav", tone, 8000)
        expected["tone"] = "audio-file"
    if has("html-file"):
        (root / "page.html").write_text("<!doctype html><html><body><p>hi</p></body></html>")
        expected["page"] = "html-file"
    if has("table-file"):
        (root / "scores.csv").write_text("name,score\nada,0.9\nbob,0.7\n")
        expected["scores"] = "table-file"
    if has("object3D-file"):
        np.save(root / "arrays/cloud.npy", rng.random((200, 3)).astype(np.float32))
        expected["arrays/cloud"] = "object3D-file"
    # a PNG signature followed by garbage: detected as an image, fails to decode
    (root / "photos/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 4)
    (root / ".hidden").write_text("skipped")
    return expected


@needs_image
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_mixed_folder_with_a_corrupt_file_then_validate(tmp_path: Path, jobs: str) -> None:
    expected = _mixed_folder(tmp_path / "in")
    out = tmp_path / "out"
    proc = cli("convert", tmp_path / "in", "--to", out, "--jobs", jobs)
    assert proc.returncode == 1, proc.stderr  # one input failed
    broken = str(tmp_path / "in" / "photos" / "broken.png")
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and broken in errors[0] and "Image" in errors[0], proc.stderr
    inputs = [p for p in (tmp_path / "in").rglob("*") if p.is_file() and p.name[0] != "."]
    assert f"converted {len(inputs) - 1} of {len(inputs)} inputs" in proc.stdout
    assert f"({len(expected)} manifests, 1 failed" in proc.stdout
    written = {
        p.relative_to(out).as_posix()[: -len(MANIFEST_SUFFIX)]: _json.loads(p.read_bytes())
        for p in out.rglob("*" + MANIFEST_SUFFIX)
    }
    assert {k: m["_type"] for k, m in written.items()} == expected
    for manifest in written.values():
        schemas.validate(manifest)
    assert not list(out.rglob("broken*")), "nothing is written for the failed input"
    # the written folder validates as a whole
    assert cli("validate", out).returncode == 0


@needs_image
def test_json_report_and_decoded_pixels(tmp_path: Path) -> None:
    import PIL.Image

    pixels = np.arange(12 * 10 * 3, dtype=np.uint8).reshape(12, 10, 3)
    np.save(tmp_path / "a.npy", pixels)
    code, report = cli_json("convert", tmp_path / "a.npy", "--to", tmp_path / "out")
    assert code == 0 and report["ok"] and report["failed"] == 0 and report["manifests"] == 1
    (result,) = report["results"]
    assert result["input"] == str(tmp_path / "a.npy") and result["ok"]
    (output,) = result["outputs"]
    assert output["type"] == "image" and output["manifest"] == "a.manifest.json"
    with PIL.Image.open(tmp_path / "out" / output["path"]) as im:
        assert np.array_equal(np.asarray(im), pixels)


@needs_image
def test_names_never_collide(tmp_path: Path) -> None:
    import PIL.Image

    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        PIL.Image.new("RGB", (4, 4), (1, 2, 3)).save(tmp_path / folder / "same.png")
    PIL.Image.new("RGB", (4, 4), (9, 9, 9)).save(tmp_path / "x" / "same.jpg")
    code, report = cli_json(
        "convert", tmp_path / "x", tmp_path / "y" / "same.png", "--to", tmp_path / "out"
    )
    assert code == 0, report
    names = sorted(o["manifest"] for r in report["results"] for o in r["outputs"])
    assert names == ["x/same-jpg.manifest.json", "x/same-png.manifest.json", "y/same.manifest.json"]


@needs_image
def test_format_and_forced_type(tmp_path: Path) -> None:
    import PIL.Image

    np.save(tmp_path / "img.npy", np.full((8, 8, 3), 200, np.uint8))
    code, report = cli_json(
        "convert",
        tmp_path / "img.npy",
        "--to",
        tmp_path / "out",
        "--type",
        "image",
        "--format",
        "jpeg",
    )
    assert code == 0, report
    path = report["results"][0]["outputs"][0]["path"]
    with PIL.Image.open(tmp_path / "out" / path) as im:
        assert im.format == "JPEG" and im.size == (8, 8)


def test_missing_input_and_unknown_content_fail_with_their_path(tmp_path: Path) -> None:
    (tmp_path / "notes.xyz").write_text("plain text")
    (tmp_path / "empty").mkdir()
    proc = cli(
        "convert",
        tmp_path / "nope.png",
        tmp_path / "notes.xyz",
        tmp_path / "empty",
        "--to",
        tmp_path / "out",
    )
    assert proc.returncode == 1
    assert f"{tmp_path / 'empty'}: folder holds no files to convert" in proc.stderr
    assert f"{tmp_path / 'nope.png'}: no such file or folder" in proc.stderr
    assert f"{tmp_path / 'notes.xyz'}: cannot tell the media type" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["convert", "x.png"],  # --to missing
        ["convert", "x.png", "--to", "o", "--type", "spreadsheet"],
        ["convert", "x.png", "--to", "o", "--jobs", "0"],
        ["convert", "x.png", "--to", "o", "--format", "png"],  # needs --type
        ["convert", "x.png", "--to", "o", "--format", "html=pdf"],
        ["convert", "x.png", "--to", "o", "--fps", "-1"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "usage" in proc.stderr or "error" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["convert", "validate", "info", "render", "recover", "demo"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    proc = cli(command, "--help")
    assert proc.returncode == 0
    assert "example" in proc.stdout and f"mediatypes {command}" in proc.stdout


@needs_image
def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    """tqdm draws on stderr when it is a TTY (checked through a pseudo-terminal), else nothing."""
    import contextlib
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    pytest.importorskip("tqdm")
    from .helpers import REPO

    (tmp_path / "in").mkdir()
    for i in range(30):
        np.save(tmp_path / "in" / f"{i}.npy", np.full((8, 8), i, np.uint8))
    quiet = cli("convert", tmp_path / "in", "--to", tmp_path / "a", "--jobs", "1")
    assert quiet.returncode == 0 and quiet.stderr == ""
    leader, follower = pty.openpty()
    # a fresh pty reports 0 columns, where tqdm draws nothing; size it like a terminal
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [
        sys.executable,
        "-m",
        "mediatypes",
        "convert",
        str(tmp_path / "in"),
        "--to",
        str(tmp_path / "b"),
    ]
    proc = subprocess.Popen(cmd, stderr=follower, stdout=subprocess.DEVNULL, env=env)
    proc.wait(timeout=120)
    # read what the bar drew while the follower is still open (closing it discards the buffer)
    os.set_blocking(leader, False)
    drawn = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(leader, 65536):
            drawn += chunk
    os.close(follower)
    os.close(leader)
    assert proc.returncode == 0
    assert b"converting" in drawn and b"/30 [" in drawn


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.mark.parametrize(
    ("fixture", "type_name", "check"),
    [
        ("molecule/water.pdb", "molecule-file", {"format": "pdb"}),
        ("molecule/ethanol.mol", "molecule-file", {"format": "pdb"}),  # via RDKit
        ("object3d/cube.obj", "object3D-file", {"format": "glb"}),
        ("object3d/cloud.ply", "object3D-file", {}),
        ("html/full.html", "html-file", {"format": "html"}),
        ("image/tiny.gif", "image-file", {"format": "gif"}),
    ],
)
def test_committed_fixtures_convert(
    tmp_path: Path, fixture: str, type_name: str, check: dict[str, str]
) -> None:
    if not has(type_name) or not (FIXTURES / fixture).is_file():
        pytest.skip(f"{type_name} is not on this branch")
    code, report = cli_json("convert", FIXTURES / fixture, "--to", tmp_path)
    assert code == 0, report
    manifest = _json.loads((tmp_path / report["results"][0]["outputs"][0]["manifest"]).read_bytes())
    assert manifest["_type"] == type_name
    assert {k: manifest[k] for k in check} == check
    assert cli("validate", tmp_path).returncode == 0


@pytest.mark.skipif(not has("table-file"), reason="Table is not on this branch")
def test_tables_from_csv_tsv_parquet_and_arrays(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"name": ["ada", "bob", "cy"], "score": [0.5, 0.25, 1.0], "ok": [True, False, True]}
    )
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_csv(tmp_path / "b.tsv", index=False, sep="\t")
    frame.to_parquet(tmp_path / "c.parquet")
    np.save(tmp_path / "d.npy", np.arange(6.0).reshape(3, 2))
    out = tmp_path / "out"
    code, report = cli_json(
        "convert", *(tmp_path / n for n in ("a.csv", "b.tsv", "c.parquet")), "--to", out
    )
    assert code == 0, report
    for name in ("a", "b", "c"):
        table = _json.loads((out / f"{name}.manifest.json").read_bytes())
        assert (table["nrows"], table["columns"]) == (3, ["name", "score", "ok"])
        assert table["column_types"] == {"name": "string", "score": "number", "ok": "boolean"}
        data = _json.loads((out / table["path"]).read_bytes())["data"]
        assert data == frame.to_numpy().tolist()
    code, report = cli_json("convert", tmp_path / "d.npy", "--to", out, "--type", "table")
    assert code == 0 and _json.loads((out / "d.manifest.json").read_bytes())["ncols"] == 2


@pytest.mark.skipif(not has("video-file"), reason="Video is not on this branch")
def test_video_array_to_mp4_with_fps(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    frames = np.zeros((6, 3, 32, 48), np.uint8)
    frames[:, 0] = np.arange(6)[:, None, None] * 40
    np.save(tmp_path / "clip.npy", frames)
    code, report = cli_json(
        "convert",
        tmp_path / "clip.npy",
        "--to",
        tmp_path / "out",
        "--fps",
        "12",
        "--format",
        "video=mp4",
    )
    assert code == 0, report
    manifest = _json.loads((tmp_path / "out" / "clip.manifest.json").read_bytes())
    assert (manifest["format"], manifest["fps"], manifest["frames"]) == ("mp4", 12, 6)
    with av.open(str(tmp_path / "out" / manifest["path"])) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 6 and decoded[0].shape == (32, 48, 3)


@pytest.mark.skipif(not has("audio-file"), reason="Audio is not on this branch")
def test_audio_array_needs_a_sample_rate_and_decodes(tmp_path: Path) -> None:
    soundfile = pytest.importorskip("soundfile")
    tone = (0.5 * np.sin(np.arange(8000) / 5)).astype(np.float32)
    np.save(tmp_path / "tone.npy", tone)
    proc = cli("convert", tmp_path / "tone.npy", "--to", tmp_path / "a")
    assert proc.returncode == 1 and "--sample-rate" in proc.stderr
    code, report = cli_json(
        "convert", tmp_path / "tone.npy", "--to", tmp_path / "b", "--sample-rate", "8000",
        "--type", "audio", "--format", "flac",
    )  # fmt: skip
    assert code == 0, report
    manifest = _json.loads((tmp_path / "b" / "tone.manifest.json").read_bytes())
    assert (manifest["format"], manifest["sample_rate"]) == ("flac", 8000)
    samples, rate = soundfile.read(tmp_path / "b" / manifest["path"], dtype="float32")
    assert rate == 8000 and np.allclose(samples, tone, atol=1 / 32768 * 2)


@needs_image
def test_a_bad_array_in_an_npz_writes_nothing_for_that_input(tmp_path: Path) -> None:
    np.savez(tmp_path / "pair.npz", good=np.zeros((8, 8), np.uint8), bad=np.full((8, 8), np.nan))
    proc = cli("convert", tmp_path / "pair.npz", "--to", tmp_path / "out", "--type", "image")
    assert proc.returncode == 1 and "pair.npz" in proc.stderr and "NaN" in proc.stderr
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_chunks_cover_every_input_in_order_and_shrink_towards_the_end() -> None:
    from mediatypes.cli.convert import split_chunks

    for n, jobs in [(1, 2), (5, 4), (1000, 2), (37, 3)]:
        tasks = list(range(n))
        chunks = split_chunks(tasks, jobs)  # type: ignore[arg-type]
        assert [t for c in chunks for t in c] == tasks
        sizes = [len(c) for c in chunks]
        assert max(sizes) <= 32 and min(sizes) >= 1
        assert sizes == sorted(sizes, reverse=True)  # the last chunks are the smallest
    assert len(split_chunks(list(range(1000)), 2)[-1]) == 1  # type: ignore[arg-type]


def test_one_command_imports_only_its_own_module() -> None:
    from tests._imports import loaded_after

    code = "from mediatypes.cli import build_parser; build_parser('convert')"
    others = ("numpy", "mediatypes.cli.demo", "mediatypes.cli.validate")
    assert loaded_after(code, others) == []
    assert loaded_after("from mediatypes.cli import build_parser; build_parser()", others) == [
        "numpy",
        "mediatypes.cli.demo",
        "mediatypes.cli.validate",
    ]


def test_names_stay_unique_when_a_stem_matches_a_generated_name(tmp_path: Path) -> None:
    from mediatypes.cli.convert import collect

    for name in ("a.png", "a.jpg", "a-png.bmp", "B.png", "b.PNG"):
        (tmp_path / name).write_bytes(b"x")
    tasks, failures = collect([str(tmp_path)], tmp_path / "out")
    assert not failures
    names = {Path(t.source).name: t.name for t in tasks}
    assert names["a-png.bmp"] == "a-png"
    assert names["a.jpg"] == "a-jpg"
    assert names["a.png"] == "a-png-2"
    # names differing only in case would share a file on case-insensitive file systems
    assert len({n.casefold() for n in names.values()}) == len(names)
