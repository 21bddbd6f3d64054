"""SIGKILL during standalone ``save()``: files are written to a temp name and renamed, so every
file that carries a final name is complete (its content hash matches its name, it decodes, the
manifest parses and validates). Only ``.tmp-*.part`` files may be left, and readers skip them."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mediatypes import _json, schemas

from ._util import REPO

CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    import mediatypes as mt
    rng = np.random.default_rng(int(sys.argv[3]))
    print("ready", flush=True)
    i = 0
    while True:
        mt.Image(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(sys.argv[1], name=f"img{i % 5}")
        mt.Table(columns=["a"], data=[[float(j)] for j in range(2000)]).save(sys.argv[1], name=f"t{i % 3}")
        i += 1
    """
)


@pytest.mark.parametrize("seed, delay", [(1, 0.25), (2, 0.6), (3, 1.1)])
def test_sigkill_during_save_leaves_only_complete_files(
    tmp_path: Path, seed: int, delay: float
) -> None:
    from PIL import Image as PILImage

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), str(REPO), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    finals = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]
    assert finals, "the child wrote nothing before the kill"
    for p in finals:
        data = p.read_bytes()
        if p.name.endswith(".manifest.json"):
            m = _json.loads(data)  # complete JSON
            schemas.validate(m)
            target = out / m["path"]  # written before its manifest: always there, complete
            assert hashlib.sha256(target.read_bytes()).hexdigest() == m["sha256"]
            continue
        digest = hashlib.sha256(data).hexdigest()
        assert p.name.split("_")[-1].split(".")[0] == digest[:20], f"{p.name} is not complete"
        if p.suffix == ".png":
            with PILImage.open(p) as im:
                im.load()
    for p in out.rglob(".tmp-*"):
        assert p.name.endswith(".part")
