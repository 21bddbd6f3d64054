from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mediatypes.core.store import DirectoryStore, MemoryStore, safe_relpath, sanitize_key
from mediatypes.errors import InvalidTypeError, UnsafePathError

HOSTILE = [
    "../../x",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "/abs/olute",
    "a//b",
    "a/./b",
    "nul\x00byte",
    "x" * 10_000,
    "/".join(["d"] * 50),
    "..",
    ".",
    "",
    ".hidden",
    "CON",
    "com1.txt",
    "a\\..\\..\\b",
    "\uff0e\uff0e/\uff0e\uff0e/x",  # fullwidth dots: NFKC turns them into '..'
    "a\u2215b",  # division slash
    "trailing. ",
    "ünïcødé/名前",
]


@pytest.mark.parametrize("key", HOSTILE)
def test_sanitized_key_stays_inside_root(tmp_path: Path, key: str) -> None:
    root = tmp_path / "root"
    store = DirectoryStore(root)
    ref, created = store.put(key, b"payload", "png")
    assert created
    target = (root / ref["path"]).resolve()
    assert str(target).startswith(str(root.resolve()) + os.sep)
    assert target.read_bytes() == b"payload"
    assert not ref["path"].startswith("/") and ".." not in ref["path"].split("/")
    for part in ref["path"].split("/"):
        assert len(part.encode()) <= 255
    # nothing outside root
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]


def test_sanitize_examples() -> None:
    assert sanitize_key("../../etc//passwd") == "_/_/etc/passwd"
    assert sanitize_key("train/images") == "train/images"
    assert sanitize_key("CON") == "_CON"
    long = sanitize_key("y" * 1000)
    assert len(long) == 64 and "~" in long
    assert sanitize_key("y" * 1000) != sanitize_key("y" * 999)
    with pytest.raises(InvalidTypeError):
        sanitize_key(3)  # type: ignore[arg-type]


def test_content_addressed_dedupe(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    a, created_a = store.put("img", b"same", "png")
    b, created_b = store.put("img", b"same", "png")
    c, _ = store.put("img", b"different", "png")
    assert a == b and created_a and not created_b
    assert a["path"] != c["path"]
    assert a["sha256"] == hashlib.sha256(b"same").hexdigest() and a["size"] == 4
    assert a["path"].startswith("img_" + a["sha256"][:20])
    assert len(list(tmp_path.iterdir())) == 2


def test_put_file_copies_bytes(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3_000_000))
    store = DirectoryStore(tmp_path / "out", prefix="media")
    ref, _ = store.put_file("video", src, "mp4")
    assert ref["path"].startswith("media/video_")
    assert (tmp_path / "out" / ref["path"]).read_bytes() == src.read_bytes()


def test_symlink_out_of_root_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "evil").symlink_to(outside)
    store = DirectoryStore(root)
    with pytest.raises(UnsafePathError, match="symlink"):
        store.put("evil/x", b"data", "png")
    assert list(outside.iterdir()) == []


def test_safe_relpath(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert safe_relpath(tmp_path, "a/b.png") == (tmp_path / "a" / "b.png").resolve()
    for bad in ["../x", "/etc/passwd", "a/../../x", "a\x00b"]:
        with pytest.raises(UnsafePathError):
            safe_relpath(tmp_path, bad)


def test_no_temp_files_left(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    for i in range(20):
        store.put(f"k{i}", bytes([i]) * 100, "bin")
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_memory_store_matches_directory_store(tmp_path: Path) -> None:
    mem, disk = MemoryStore(prefix="media"), DirectoryStore(tmp_path, prefix="media")
    for key in ["a", "../b", "c/d"]:
        assert mem.put(key, b"x" + key.encode(), "png") == disk.put(key, b"x" + key.encode(), "png")
    assert sorted(mem.files) == sorted(
        str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.png")
    )


def test_folder_deleted_from_outside_is_created_again(tmp_path: Path) -> None:
    import shutil

    store = DirectoryStore(tmp_path, prefix="media")
    first, _ = store.put("a/x", b"one", "bin")
    shutil.rmtree(tmp_path / "media")  # e.g. a user cleaning up while a run is going
    ref, created = store.put("a/y", b"two", "bin")
    src = tmp_path / "src.bin"
    src.write_bytes(b"three")
    copied, _ = store.put_file("a/z", src, "bin")
    assert created
    assert (tmp_path / ref["path"]).read_bytes() == b"two"
    assert (tmp_path / copied["path"]).read_bytes() == b"three"
    assert not (tmp_path / first["path"]).exists()
