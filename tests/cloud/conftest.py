"""A real S3 API for the tests: moto's server in a subprocess on 127.0.0.1 (a free port), started
and stopped by process group; s3fs is the client. Dummy credentials only, no network.

``s3`` (session) is the shared server; ``bucket`` makes a fresh bucket per test; ``fault_s3``
starts a server of the test's own that the test may pause (SIGSTOP), resume or stop; ``proxy`` puts
a fault-injecting HTTP proxy (``faultproxy.py``) in front of the shared server, with a fresh bucket.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .faultproxy import FaultProxy

pytest.importorskip("s3fs")
pytest.importorskip("moto")

# botocore reads these; nothing ever leaves 127.0.0.1
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# fail fast when a test stops the server: one botocore attempt, short timeouts (s3fs still
# retries read timeouts itself, 5 times with a short backoff)
FAST_FAIL = {
    "config_kwargs": {"connect_timeout": 1, "read_timeout": 0.5, "retries": {"max_attempts": 1}},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MotoServer:
    """One moto server process (its own process group)."""

    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.signal(signal.SIGCONT)  # a paused server must be able to die
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="session")
def s3() -> Iterator[MotoServer]:
    server = MotoServer(_free_port()).start()
    saved = {k: os.environ.get(k) for k in [*CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(CREDENTIALS, AWS_ENDPOINT_URL=server.endpoint)  # children inherit it
    try:
        yield server
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def make_bucket(endpoint: str) -> str:
    import fsspec

    name = f"test-{uuid.uuid4().hex[:12]}"
    # fsspec's cached instance for this endpoint: a new S3 client costs 0.3-0.9 s per test
    fsspec.filesystem("s3", endpoint_url=endpoint).mkdir(name)
    return name


@pytest.fixture
def bucket(s3: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh bucket on the session server (spilled copies go to the test's tmp folder)."""
    monkeypatch.setenv("MEDIATYPES_SPILL_DIR", str(tmp_path / "spill"))
    monkeypatch.setenv("MEDIATYPES_CACHE_DIR", str(tmp_path / "cache"))
    return make_bucket(s3.endpoint)


@pytest.fixture
def fault_s3(
    s3: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MotoServer]:
    """A server of this test's own (to pause or stop), with a bucket ``test`` on it."""
    server = MotoServer(_free_port()).start()
    monkeypatch.setenv("MEDIATYPES_SPILL_DIR", str(tmp_path / "spill"))
    try:
        import fsspec

        fsspec.filesystem("s3", endpoint_url=server.endpoint, skip_instance_cache=True).mkdir(
            "test"
        )
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(s3: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the shared server (started and stopped here); its
    ``bucket`` attribute names a fresh bucket. Spilled copies go to ``tmp_path / "spill"``."""
    monkeypatch.setenv("MEDIATYPES_SPILL_DIR", str(tmp_path / "spill"))
    monkeypatch.setenv("MEDIATYPES_CACHE_DIR", str(tmp_path / "cache"))
    server = FaultProxy(s3.endpoint).start()
    server.bucket = make_bucket(s3.endpoint)
    try:
        yield server
    finally:
        server.stop()
