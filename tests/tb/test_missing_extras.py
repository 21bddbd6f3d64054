"""Without the extras, every entry point names the exact install line (checked in a child process
whose import system refuses the packages)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path: Path) -> tuple[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_transports_and_commands_name_their_extra(tmp_path):
    out, err = _run(
        """
        import sys
        for name in ("tensorboard", "google_crc32c", "mlflow"):
            sys.modules[name] = None  # as if not installed
        import mediatypes as mt
        from mediatypes.errors import MissingDependencyError
        for spec in ("tensorboard:tb", "mlflow:sqlite:///m.db"):
            try:
                mt.init(dir="runs", id="x", transport=spec, console=False, git=False)
            except MissingDependencyError as exc:
                print(exc)
        from mediatypes.cli import main
        run = mt.init(dir="runs", id="ok", console=False, git=False, packages=False)
        run.log({"x": 1})
        run.finish()
        print("exit", main(["export", "tensorboard", "runs/ok", "tb"]))
        """,
        tmp_path,
    )
    assert "transport 'tensorboard:' needs the optional dependency 'tensorboard'" in out
    assert out.count("pip install 'mediatypes[tensorboard]'") == 1
    assert "transport 'mlflow:' needs the optional dependency 'mlflow-skinny'" in out
    assert "pip install 'mediatypes[mlflow]'" in out
    assert "exit 1" in out
    assert "mediatypes export: error: TensorBoard" in err
    assert "pip install 'mediatypes[tensorboard]'" in err
    assert not (tmp_path / "runs" / "x").exists()  # nothing written before the refusal
