"""`import mediatypes, charts` wall time in a fresh interpreter (target <= 150 ms), median of 15."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import report


def once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def main() -> None:
    base = statistics.median(once("pass") for _ in range(15))
    full = statistics.median(once("import mediatypes, charts") for _ in range(15))
    report("interpreter start (python -c pass)", base * 1e3, "ms", "-")
    report("import mediatypes, charts (incl. start)", full * 1e3, "ms", "-")
    report("import mediatypes, charts (net)", (full - base) * 1e3, "ms", "<= 150 ms")


if __name__ == "__main__":
    main()
