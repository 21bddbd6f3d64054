"""Automatic capture for a run, each part switchable off in ``init``:

* ``console``: everything written to ``sys.stdout`` / ``sys.stderr`` is also appended to
  ``files/output.log`` (Python-level tee; output of C extensions writing to fd 1 is not seen).
* ``system_metrics``: CPU, memory and disk usage (psutil when installed, ``/proc`` otherwise) and
  GPU utilisation/memory via ``nvidia-smi`` when present, sampled in the background every
  ``interval`` seconds into ``files/system.jsonl``.
* ``git``: commit, branch, remote and dirty flag into ``run.json``; uncommitted changes into
  ``files/diff.patch``.
* ``packages``: installed distributions into ``files/requirements.txt``.
* ``command``: command line, executable, working directory, Python version into ``run.json``.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .. import _json
from ..transports.base import Transport

__all__ = ["Capture", "command_info", "git_info", "sample_system"]


class _Tee(io.TextIOBase):
    """Writes through to the real stream and hands a copy to ``sink``."""

    def __init__(self, inner: TextIO, sink: Callable[[str], None]) -> None:
        self._inner = inner
        self._sink = sink

    def write(self, s: str) -> int:
        n = self._inner.write(s)
        with contextlib.suppress(Exception):
            self._sink(s)
        return n

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def command_info() -> dict[str, Any]:
    return {
        "argv": list(sys.argv),
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _git(args: list[str], cwd: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None


def git_info(cwd: str | None = None) -> tuple[dict[str, Any] | None, bytes]:
    """(commit info or None outside a repository, diff of uncommitted changes)."""
    cwd = cwd or os.getcwd()
    if shutil.which("git") is None:
        return None, b""
    commit = _git(["rev-parse", "HEAD"], cwd)
    if commit is None:
        return None, b""
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd)
    remote = _git(["remote", "get-url", "origin"], cwd)
    diff = _git(["diff", "HEAD", "--binary"], cwd) or ""
    info = {
        "commit": commit.strip(),
        "branch": branch.strip() if branch else None,
        "remote": remote.strip() if remote else None,
        "dirty": bool(diff.strip()),
    }
    return info, diff.encode()


def installed_packages() -> list[str]:
    """``name==version`` of every installed distribution, sorted.

    Read from the ``<name>-<version>.dist-info`` folder names on ``sys.path`` (a directory listing:
    milliseconds), falling back to parsing the metadata only for folders not named that way.
    """
    from importlib import metadata

    found: dict[str, str] = {}
    odd: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem, ext = os.path.splitext(name)
            if ext not in (".dist-info", ".egg-info"):
                continue
            parts = stem.split("-")
            if len(parts) >= 2 and parts[1][:1].isdigit():
                found.setdefault(parts[0].replace("_", "-").lower(), parts[1])
            else:
                odd.append(os.path.join(entry or ".", name))
    for path in odd:
        with contextlib.suppress(Exception):
            dist = metadata.PathDistribution(Path(path))
            if dist.metadata["Name"]:
                found.setdefault(dist.metadata["Name"].lower(), dist.version)
    return [f"{n}=={v}" for n, v in sorted(found.items())]


def _proc_cpu() -> tuple[int, int] | None:
    try:
        with open("/proc/stat", "rb") as fh:
            parts = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts), idle


def sample_system(prev_cpu: list[Any]) -> dict[str, Any]:
    """One sample: cpu %, memory, disk, process RSS, and GPUs when nvidia-smi exists."""
    out: dict[str, Any] = {"_timestamp": time.time()}
    try:
        import psutil

        out["cpu_percent"] = psutil.cpu_percent(interval=None)
        vm = psutil.virtual_memory()
        out["memory_percent"] = vm.percent
        out["memory_used_mb"] = round(vm.used / 2**20, 1)
        out["process_rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
    except ImportError:
        cpu = _proc_cpu()
        if cpu is not None and prev_cpu:
            total, idle = cpu[0] - prev_cpu[0][0], cpu[1] - prev_cpu[0][1]
            out["cpu_percent"] = round(100.0 * (1 - idle / total), 1) if total > 0 else 0.0
        if cpu is not None:
            prev_cpu[:] = [cpu]
        with contextlib.suppress(OSError, ValueError):
            info = {}
            with open("/proc/meminfo") as fh:
                for line in fh:
                    name, _, rest = line.partition(":")
                    info[name] = int(rest.split()[0])
            total_kb, avail = info["MemTotal"], info.get("MemAvailable", info["MemFree"])
            out["memory_percent"] = round(100.0 * (total_kb - avail) / total_kb, 1)
            out["memory_used_mb"] = round((total_kb - avail) / 1024, 1)
    with contextlib.suppress(OSError):
        st = os.statvfs(os.getcwd())
        out["disk_percent"] = (
            round(100.0 * (1 - st.f_bavail / st.f_blocks), 1) if st.f_blocks else 0
        )
    if shutil.which("nvidia-smi"):
        with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
            res = subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=utilization.gpu,memory.used,memory.total,temperature.gpu",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                timeout=5,
                check=True,
            )
            for i, line in enumerate(res.stdout.decode().strip().splitlines()):
                util, used, total, temp = (float(x) for x in line.split(","))
                out[f"gpu/{i}/utilization"] = util
                out[f"gpu/{i}/memory_used_mb"] = used
                out[f"gpu/{i}/memory_total_mb"] = total
                out[f"gpu/{i}/temperature"] = temp
    return out


class Capture:
    """Starts and stops the enabled capture parts for one run."""

    def __init__(
        self,
        transport: Transport,
        *,
        console: bool,
        system_metrics: bool,
        git: bool,
        packages: bool,
        interval: float = 15.0,
        on_meta: Callable[[str, Any], None] | None = None,
    ) -> None:
        self.transport = transport
        self.console, self.system_metrics, self.git, self.packages = (
            console,
            system_metrics,
            git,
            packages,
        )
        self.interval = interval
        self._on_meta = on_meta or (lambda k, v: None)
        self._buf: list[str] = []
        self._buf_lock = threading.Lock()
        self._streams: tuple[Any, Any] | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.console:
            self._streams = (sys.stdout, sys.stderr)
            sys.stdout = _Tee(sys.stdout, self._sink)
            sys.stderr = _Tee(sys.stderr, self._sink)
        if self.git or self.packages:
            self._spawn(self._collect_once)
        if self.system_metrics:
            self._spawn(self._sample_loop)

    def _spawn(self, target: Callable[[], None]) -> None:
        t = threading.Thread(target=target, name="mediatypes-capture", daemon=True)
        t.start()
        self._threads.append(t)

    def _sink(self, s: str) -> None:
        with self._buf_lock:
            self._buf.append(s)

    def flush(self) -> None:
        """Append buffered console output to ``files/output.log``."""
        with self._buf_lock:
            data, self._buf = self._buf, []
        if data:
            self.transport.append_file("output.log", "".join(data).encode("utf-8", "replace"))

    def _collect_once(self) -> None:
        if self.git:
            info, diff = git_info()
            self._on_meta("git", info)
            if diff:
                self.transport.write_file("diff.patch", diff)
        if self.packages:
            names = installed_packages()
            self.transport.write_file("requirements.txt", ("\n".join(names) + "\n").encode())

    def _sample_loop(self) -> None:
        prev: list[Any] = []
        while True:
            sample = sample_system(prev)
            self.transport.append_file("system.jsonl", _json.dumps(sample) + b"\n")
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)
        if self._streams is not None:
            out, err = self._streams
            if isinstance(sys.stdout, _Tee) and sys.stdout._inner is out:
                sys.stdout = out
            if isinstance(sys.stderr, _Tee) and sys.stderr._inner is err:
                sys.stderr = err
            self._streams = None
        self.flush()
