"""A tiny test-only media type (real PNG bytes through Pillow) and run helpers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes.core.media import Encoded, Media, Payload, root_path
from mediatypes.errors import EncodingError

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)

PNG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://mediatypes.dev/schemas/test-png.json",
    "type": "object",
    "properties": {
        "_type": {"const": "test-png"},
        "schema_version": {"$ref": "defs.json#/$defs/schema_version"},
        "path": {"$ref": "defs.json#/$defs/relpath"},
        "sha256": {"$ref": "defs.json#/$defs/sha256"},
        "size": {"$ref": "defs.json#/$defs/size"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "caption": {"$ref": "defs.json#/$defs/caption"},
    },
    "required": ["_type", "schema_version", "path", "sha256", "size", "width", "height"],
    "additionalProperties": False,
}


class Png(Media):
    """Test-only Loggable: an RGB uint8 array written as PNG (compress_level 1)."""

    _type = "test-png"

    def __init__(self, data: np.ndarray, caption: str | None = None, fail: bool = False) -> None:
        self.data = np.array(data, dtype=np.uint8, copy=True)
        self.caption = caption
        self.fail = fail

    def _encode(self) -> Encoded:
        if self.fail:
            raise EncodingError("Png: the encoder failed on purpose (test)")
        buf = io.BytesIO()
        PILImage.fromarray(self.data).save(buf, format="PNG", compress_level=1)
        h, w = self.data.shape[:2]
        return Payload("png", buf.getvalue()), {"width": w, "height": h, "caption": self.caption}

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Png:
        with PILImage.open(root_path(root, manifest)) as im:
            return cls(np.asarray(im), caption=manifest.get("caption"))


def memory_run(**kwargs: Any) -> mt.Run:
    return mt.init(transport="memory:", **{**OFF, **kwargs})


def dir_run(path: Path, **kwargs: Any) -> mt.Run:
    return mt.init(transport=f"dir:{path}", **{**OFF, **kwargs})


def strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the clock fields (which must be present)."""
    out = []
    for row in rows:
        assert isinstance(row["_timestamp"], float) and isinstance(row["_runtime"], float)
        out.append({k: v for k, v in row.items() if k not in ("_timestamp", "_runtime")})
    return out


def signal_logging_child(
    code: str, args: list[str], cwd: Path, delay: float, sig: int
) -> tuple[list[tuple[float, int]], float]:
    """Run ``code`` (a script that prints ``ready`` and then the index of each row it has logged)
    in a child process, send it ``sig`` after ``delay`` seconds; returns every (time, index) it
    printed and the moment of the signal (``time.monotonic``)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first == b"ready\n", (first, proc.stderr.read() if proc.stderr else b"")
    seen: list[tuple[float, int]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.endswith(b"\n"):
                seen.append((time.monotonic(), int(line)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(delay)
    at = time.monotonic()
    os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    reader.join(timeout=5)
    return seen, at
