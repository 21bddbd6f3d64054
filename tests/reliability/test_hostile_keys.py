"""Hostile keys and paths: nothing is written outside the store root, every path resolves inside it."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediatypes.core.store import (
    DirectoryStore,
    MemoryStore,
    safe_relpath,
    sanitize_key,
)
from mediatypes.errors import MediaError, UnsafePathError

from ._util import files_below, outcome

# Fragments an attacker (or an unlucky user) puts into a key.
FRAGMENTS = [
    "..",
    ".",
    "../",
    "/",
    "\\",
    "//",
    "/etc/passwd",
    "C:\\Windows",
    "\x00",
    "\uff0e\uff0e",  # fullwidth full stops: NFKC gives ".."
    "\uff0f",  # fullwidth solidus: NFKC gives "/"
    "\u2025",  # two-dot leader: NFKC gives ".."
    "\u2024",  # one-dot leader
    "\ufe52",  # small full stop
    "\u2215",  # division slash
    "\u2044",  # fraction slash
    "e\u0301",  # combining acute accent
    "\u00e9",  # precomposed é
    "\u202e",  # right-to-left override
    "\u200d",  # zero-width joiner
    "CON",
    "con.txt",
    "NUL",
    "aux.tar.gz",
    "COM1",
    "LPT\u00b9",
    "CONIN$",
    "trailing. ",
    " ",
    "~",
    "\U00020000" * 70,  # 4-byte letters: a name limit counted in characters overflows in bytes
    "x" * 300,
    "名前",
    "\ud800",  # lone surrogate
    "\n\r\t",
    '*?<>|:"',
]

keys = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=0, max_size=12
).map("".join)
exts = st.sampled_from(["png", "gif", "mp4", "table.json", "vl.json", "glb", ".PNG", "../x"])

_WIN_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.I)
_WIN_FORBIDDEN = re.compile(r'[<>:"|?*\\\x00-\x1f]')


def assert_portable(relpath: str) -> None:
    """A path that is safe on Linux, macOS and Windows file systems."""
    assert relpath and not relpath.startswith("/")
    for part in relpath.split("/"):
        assert part not in ("", ".", ".."), relpath
        assert len(part.encode("utf-8")) <= 255, (len(part.encode()), relpath)
        assert not _WIN_FORBIDDEN.search(part), relpath
        assert not _WIN_RESERVED.match(part), relpath
        assert not part.endswith((".", " ")), relpath
        assert unicodedata.normalize("NFKC", part) == part, relpath


@given(key=keys, ext=exts)
def test_put_any_key_stays_inside_root(key: str, ext: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "root"
        store = DirectoryStore(root, prefix=key[:40])
        ref, created = store.put(key, b"payload", ext)
        assert created
        assert_portable(ref["path"])
        target = safe_relpath(root, ref["path"])  # raises if it left the root
        assert target.read_bytes() == b"payload"
        assert os.listdir(base) == ["root"], "something was written beside the root"
        # the manifest file of a hostile name lands inside too
        rel = store.put_json(key + ".manifest.json", b"{}")
        assert_portable(rel)
        assert safe_relpath(root, rel).read_bytes() == b"{}"
        assert not [p for p in files_below(root) if p.name.startswith(".tmp-")]


@given(key=keys)
def test_sanitize_is_total_deterministic_and_matches_memory_store(key: str) -> None:
    once = sanitize_key(key)
    assert once == sanitize_key(key)
    assert_portable(once)
    mem = MemoryStore()
    ref, _ = mem.put(key, b"x", "png")
    assert ref["path"].startswith(once + "_") or "~" in ref["path"]


@given(relpath=st.one_of(keys, st.sampled_from(FRAGMENTS)))
def test_safe_relpath_never_leaves_root(relpath: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        (root / "sub").mkdir(parents=True)
        (root / "out").symlink_to(Path(tmp))  # a link that leaves the root
        result: list[Path] = []
        exc = outcome(lambda: result.append(safe_relpath(root, relpath)))
        if exc is None:
            real = os.path.realpath(root)
            assert str(result[0]) == real or str(result[0]).startswith(real + os.sep)
        else:
            assert isinstance(exc, UnsafePathError)


def test_ten_thousand_character_keys(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "root")
    for key in ["k" * 10_000, "/".join(["d"] * 5_000), "é" * 10_000, "\U00020000" * 10_000]:
        ref, _ = store.put(key, key.encode("utf-8")[:16], "table.json")
        assert_portable(ref["path"])
        assert len(ref["path"]) < 1200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_unicode_lookalikes_cannot_climb(tmp_path: Path) -> None:
    """NFKC folds look-alikes *before* the path is split, so they never become '..' or '/'."""
    store = DirectoryStore(tmp_path / "root")
    for key in [
        "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fx",
        "\u2025/\u2025/x",
        "\ufe52\ufe52/x",
        "..\u2215x",
    ]:
        ref, _ = store.put(key, b"p", "png")
        assert ".." not in ref["path"].split("/")
        assert safe_relpath(tmp_path / "root", ref["path"]).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_combining_characters_name_one_file() -> None:
    """NFC and NFD spellings of a key give the same name (as macOS would store them)."""
    assert sanitize_key("caf\u00e9") == sanitize_key("cafe\u0301") == "café"


def test_case_only_collisions_keep_both_contents(tmp_path: Path) -> None:
    """Keys equal up to case stay distinct names; different content never shares a file."""
    store = DirectoryStore(tmp_path)
    a, _ = store.put("Images", b"first", "png")
    b, _ = store.put("images", b"second", "png")
    assert a["path"] != b["path"]
    # names differ in the hash too, so even a case-insensitive file system keeps both
    assert a["path"].lower() != b["path"].lower()
    assert (tmp_path / a["path"]).read_bytes() == b"first"
    assert (tmp_path / b["path"]).read_bytes() == b"second"


@pytest.mark.parametrize(
    "name", ["CON", "prn.png", "AUX", "nul.json", "COM1", "lpt9.txt", "COM\u00b2"]
)
def test_windows_reserved_names_are_prefixed(name: str) -> None:
    assert not _WIN_RESERVED.match(sanitize_key(name))


def test_symlinked_folder_and_file_pointing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_bytes(b"keep me")
    root = tmp_path / "root"
    root.mkdir()
    (root / "media").symlink_to(outside)
    store = DirectoryStore(root)
    with pytest.raises(UnsafePathError):
        store.put("media/x", b"data", "png")
    with pytest.raises(UnsafePathError):
        store.put_json("media/x.manifest.json", b"{}")
    with pytest.raises(UnsafePathError):
        DirectoryStore(root, prefix="media").put("x", b"data", "png")
    # a file-level symlink at the exact content-addressed name
    name = store.put("y", b"data", "png")[0]["path"]
    (root / name).unlink()
    (root / name).symlink_to(victim)
    with pytest.raises(UnsafePathError):
        store.put("y", b"data", "png")
    # removing or reading through the link never touches the outside
    with pytest.raises(UnsafePathError):
        store.remove(name)
    with pytest.raises(UnsafePathError):
        store.open("media/victim.txt")
    assert victim.read_bytes() == b"keep me"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


def test_symlinked_root_itself_is_fine(tmp_path: Path) -> None:
    """A root that *is* a symlink is the user's choice: writes go to its target, still inside."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    ref, _ = DirectoryStore(tmp_path / "link").put("k", b"x", "png")
    assert (real / ref["path"]).read_bytes() == b"x"


def test_lone_surrogate_relpath_is_unsafe_not_unicode_error(tmp_path: Path) -> None:
    """Regression: safe_relpath raised UnicodeEncodeError for a lone surrogate."""
    with pytest.raises(UnsafePathError):
        safe_relpath(tmp_path, "a\ud800b")


def test_four_byte_letters_fit_a_file_name(tmp_path: Path) -> None:
    """Regression: a key of 55+ four-byte letters plus a long extension raised a raw OSError."""
    store = DirectoryStore(tmp_path)
    for ext in ["png", "table.json", "vl.json"]:
        ref, _ = store.put("\U00020000" * 100, b"x", ext)
        assert (tmp_path / ref["path"]).read_bytes() == b"x"
        assert len(ref["path"].split("/")[-1].encode()) <= 255


def test_nul_byte_key_and_prefix(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "r", prefix="\x00../..")
    ref, _ = store.put("a\x00b/../../c", b"x", "png")
    assert "\x00" not in ref["path"]
    assert safe_relpath(tmp_path / "r", ref["path"]).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_errors_are_media_errors() -> None:
    assert issubclass(UnsafePathError, MediaError)


@pytest.mark.parametrize(
    "name", ["../../escape", "/abs/olute", "a\x00b", "\uff0e\uff0e\uff0fx", "CON", "x" * 5000]
)
def test_hostile_names_inside_media_stay_inside(name: str, tmp_path: Path) -> None:
    """Names that become parts of file keys — table column names (media cells), mask layer
    names, the save() name — never lead a file out of the output folder."""
    import numpy as np

    import mediatypes as mt

    out = tmp_path / "out"
    img = mt.Image(
        np.zeros((4, 4), np.uint8), masks={name: {"mask_data": np.ones((4, 4), np.uint8)}}
    )
    table = mt.Table(columns=[name], data=[[img]])
    m = table.save(out, name=name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    from mediatypes.core.media import file_refs

    for ref in file_refs(m):
        assert safe_relpath(out, ref["path"]).is_file()
    back = mt.Table.from_manifest(m, out)
    assert back.get_column(name)[0].to_numpy().shape == (4, 4)
