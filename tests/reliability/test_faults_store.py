"""Faults at the store boundary: disk full, read-only folders, failures at every write, interrupts.

Whatever fails, ``save()`` raises an error of our tree (or re-raises the interrupt) and leaves no
file behind; files that other manifests share (deduplicated) are never removed.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from mediatypes import Histogram
from mediatypes.core import store as store_mod
from mediatypes.core.media import Encoded, Media, Payload
from mediatypes.core.store import DirectoryStore
from mediatypes.errors import MediaError, SchemaError, TransportError

from ._util import files_below


class Multi(Media):
    """A test media with a primary file and nested secondary files (like an image with masks)."""

    _type: ClassVar[str] = "test-multi"

    def __init__(self, parts: int = 4, tag: bytes = b"") -> None:
        self.parts = parts
        self.tag = tag

    def _encode(self) -> Encoded:
        nested = {
            f"m{i}": Payload(ext="png", data=self.tag + bytes([i]) * 100, suffix=f"-m{i}")
            for i in range(self.parts)
        }
        return Payload(ext="bin", data=self.tag + b"primary"), {"masks": nested}


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, n: int, exc: BaseException) -> list[int]:
    """Make the n-th atomic write (0-based) raise ``exc``."""
    calls = [0]
    real = store_mod.atomic_write

    def flaky(path: Any, data: bytes, *, durable: bool = False) -> None:
        calls[0] += 1
        if calls[0] - 1 == n:
            raise exc
        real(path, data, durable=durable)

    monkeypatch.setattr(store_mod, "atomic_write", flaky)
    return calls


@pytest.mark.parametrize("fail_at", range(6))
def test_failure_at_every_write_leaves_nothing(
    fail_at: int, monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    _fail_on_call(monkeypatch, fail_at, OSError(errno.ENOSPC, "No space left on device"))
    # 5 payload writes then the manifest: the manifest fails schema validation (unknown type)
    with pytest.raises(MediaError) as info:
        Multi().save(assert_nothing_written, name="deep/er/item")
    expected = SchemaError if fail_at == 5 else TransportError
    assert isinstance(info.value, expected), info.value
    # the folders of the nested name went with the files (the output folder existed before)
    assert list(assert_nothing_written.iterdir()) == []


def test_rollback_removes_only_the_folders_it_created_and_left_empty(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "new-out"  # created by the failing save itself
    (tmp_path / "keep").mkdir()
    _fail_on_call(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(MediaError):
        Multi().save(out, name="deep/er/item")
    assert not out.exists()
    out.mkdir()
    (out / "deep").mkdir()
    (out / "deep" / "other.txt").write_bytes(b"someone else's file")
    _fail_on_call(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(MediaError):
        Multi().save(out, name="deep/er/item")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "deep",
        "deep/other.txt",
    ]


def test_interrupt_mid_write_leaves_no_temp_file(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Multi().save(assert_nothing_written)


def test_rollback_keeps_deduplicated_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A failed save never deletes files an earlier, successful write shares."""
    store = DirectoryStore(tmp_path)
    first = Multi(parts=2).to_manifest(store, "item")
    before = {p: p.read_bytes() for p in files_below(tmp_path)}
    _fail_on_call(monkeypatch, 0, OSError(errno.EIO, "I/O error"))
    with pytest.raises(TransportError):
        Multi(parts=3).to_manifest(store, "item")  # shares m0, m1 and primary; m2 is new
    assert {p: p.read_bytes() for p in files_below(tmp_path)} == before
    assert first["masks"]["m0"]["path"]


def test_simulated_enospc_on_replace(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(TransportError, match="No space left"):
        Histogram(np.arange(100)).save(assert_nothing_written)


def test_disk_full_on_a_real_small_file_system(small_fs: Path) -> None:
    """A 1 MiB tmpfs: a 3 MB payload fails with TransportError; nothing partial remains; later
    writes that fit succeed."""
    store = DirectoryStore(small_fs / "out")
    big = np.random.default_rng(0).bytes(3_000_000)
    with pytest.raises(TransportError, match="No space left"):
        store.put("big", big, "bin")
    assert files_below(small_fs) == []
    with pytest.raises(TransportError):
        store.put_file("big", _write_tmp(small_fs.parent, big), "bin")
    assert files_below(small_fs) == []
    # fill the disk, then a manifest save fails cleanly and leaves nothing
    filler = small_fs / "filler.bin"
    with pytest.raises(OSError), open(filler, "wb") as fh:
        fh.write(b"\0" * 2_000_000)
    with pytest.raises(TransportError):
        Histogram(np.arange(10_000), num_bins=512).save(small_fs / "out", name="h")
    assert files_below(small_fs) == [filler]
    filler.unlink()
    m = Histogram(np.arange(100)).save(small_fs / "out", name="h")
    assert m["count"] == 100 and (small_fs / "out" / "h.manifest.json").is_file()


def _write_tmp(folder: Path, data: bytes) -> Path:
    p = folder / "source.bin"
    p.write_bytes(data)
    return p


def test_read_only_folder(readonly_fs: Path) -> None:
    with pytest.raises(TransportError):
        DirectoryStore(readonly_fs / "new")
    with pytest.raises(TransportError):
        Histogram(np.arange(10)).save(readonly_fs / "existing")
    with pytest.raises(TransportError):
        DirectoryStore(readonly_fs / "existing").put("k/sub", b"x", "png")
    assert files_below(readonly_fs) == []


@pytest.mark.parametrize(
    "directory",
    [None, 123, b"/tmp/bytes", "out\x00dir", "out\ud800"],
    ids=["none", "int", "bytes", "nul", "surrogate"],
)
def test_unusable_output_folders_are_media_errors(
    directory: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: save(None | int | bytes) raised TypeError, a NUL byte ValueError and a lone
    surrogate UnicodeEncodeError, all from pathlib."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MediaError):
        Histogram([1, 2]).save(directory)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fail_at", range(8))
def test_table_of_media_fails_at_every_write_and_leaves_nothing(
    fail_at: int, monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    """A table whose cells are images with masks: 3 images + 3 masks + the table + the manifest =
    8 writes; a failure at any of them leaves the folder empty."""
    from mediatypes import Image, Table

    cells = [
        [
            Image(
                np.full((4, 4), i, np.uint8),
                masks={"m": {"mask_data": np.eye(4, dtype=np.uint8) * i}},
            )
        ]
        for i in range(1, 4)
    ]
    table = Table(columns=["img"], data=cells)
    calls = _fail_on_call(monkeypatch, fail_at, OSError(errno.EIO, "I/O error"))
    with pytest.raises(TransportError):
        table.save(assert_nothing_written, name="t")
    assert calls[0] == fail_at + 1
