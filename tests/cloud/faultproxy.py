"""A fault-injecting HTTP proxy for the S3 tests: stdlib sockets and threads on 127.0.0.1.

It sits between the client (s3fs/aiobotocore, really speaking HTTP/1.1 to it) and moto's server
and forwards every request, except those a :class:`Rule` picks: "the 2nd PUT whose path matches
``/history/0/00000002.jsonl``", "every PUT below ``/media/`` until released". A picked request is
answered with a real S3 error (500 InternalError, 503 SlowDown), or its connection is reset, or it
is held (``stall``: never answered until released; ``late``: held, then delivered to the server
after the client gave up, like a write that lands after its timeout), or forwarded and its answer
lost (``lost``: the server stored it, the client sees a reset), or only delayed (``hold``: served
normally once released; tests count how many requests a client keeps in flight).

Every request is recorded (method, path, what happened), so tests can also count requests. An
optional ``latency`` delays each forwarded request, to measure the writer against a store that is
not on the same machine.

    proxy = FaultProxy(moto_endpoint).start()
    rule = proxy.fail("PUT", r"/history/0/00000002\\.jsonl$", "500", times=2)
    ...
    proxy.stop()
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ACTIONS = ("500", "503", "reset", "stall", "late", "lost", "hold")
_ERRORS = {
    "500": ("Internal Server Error", "InternalError", "We encountered an internal error."),
    "503": ("Slow Down", "SlowDown", "Please reduce your request rate."),
}
HOLD_LIMIT = 60.0  # a held request is let go after this long even if no test releases it


@dataclass
class Rule:
    """Which requests fail and how: the ``skip``-th + 1 match onwards, ``times`` of them (None:
    every match until :meth:`release`)."""

    method: str
    path: re.Pattern[str]
    action: str
    skip: int = 0
    times: int | None = 1
    seen: int = 0  # matching requests so far
    hits: int = 0  # requests this rule failed
    released: threading.Event = field(default_factory=threading.Event)

    def take(self, method: str, path: str) -> bool:
        """True when this request is to fail (called under the proxy's lock)."""
        if self.released.is_set() or method != self.method or not self.path.search(path):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.hits >= self.times):
            return False
        self.hits += 1
        return True

    def release(self) -> None:
        """Stop failing requests; held requests go on (``late``) or are dropped (``stall``)."""
        self.released.set()


@dataclass
class Seen:
    method: str
    path: str
    outcome: str  # the upstream status ("200"), or the action that replaced it


class FaultProxy:
    def __init__(self, upstream: str, *, latency: float = 0.0) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", int(parts.port or 80))
        self.latency = latency
        self.bucket = ""  # set by the tests' fixture
        self.rules: list[Rule] = []
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def endpoint(self) -> str:
        host, port = self._server.getsockname()
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for rule in self.rules:
            rule.release()
        with self._lock:
            sockets = [self._server, *self._sockets]
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        for t in list(self._threads):
            t.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail(
        self, method: str, path: str, action: str, *, skip: int = 0, times: int | None = 1
    ) -> Rule:
        """Add a rule: matching ``method`` requests whose path (no query) matches the regex
        ``path`` fail with ``action`` (see ``ACTIONS``)."""
        if action not in ACTIONS:
            raise ValueError(f"action expects one of {ACTIONS}; got {action!r}")
        rule = Rule(method.upper(), re.compile(path), action, skip, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def count(self, method: str, path: str = "", outcome: str | None = None) -> int:
        """How many requests matched ``method`` and the regex ``path`` (and ``outcome``)."""
        pattern = re.compile(path)
        with self._lock:
            return sum(
                1
                for s in self.log
                if s.method == method
                and pattern.search(s.path)
                and (outcome is None or s.outcome == outcome)
            )

    # ---- plumbing ---------------------------------------------------------------------------
    def _spawn(self, target: object, *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
        t.start()

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.add(s)

    def _forget(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(s)
        s.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._track(client)
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        """One client connection: requests one after the other (HTTP/1.1 keep-alive)."""
        reader = _Reader(client)
        try:
            while not self._stopping.is_set():
                request = _read_request(reader, client)
                if request is None:
                    return
                method, target, head, body = request
                path = urlsplit(target).path
                with self._lock:
                    rule = next((r for r in self.rules if r.take(method, path)), None)
                if rule is not None and rule.action == "hold":
                    self._record(method, path, "hold")
                    rule.released.wait(HOLD_LIMIT)
                    rule = None
                if rule is None:
                    status, response, keep = self._forward(method, head, body)
                    self._record(method, path, status)
                    client.sendall(response)
                    if not keep:
                        return
                    continue
                self._record(method, path, rule.action)
                if rule.action in _ERRORS:
                    client.sendall(_error_response(rule.action, method))
                elif rule.action == "reset":
                    _reset(client)
                    return
                elif rule.action == "lost":
                    self._forward(method, head, body)  # stored upstream; the answer never comes
                    _reset(client)
                    return
                else:  # stall / late: hold the request, answer nothing
                    rule.released.wait(HOLD_LIMIT)
                    if rule.action == "late" and not self._stopping.is_set():
                        status, _, _ = self._forward(method, head, body)
                        self._record(method, path, f"late {status}")
                    _reset(client)
                    return
        except OSError:
            return
        finally:
            self._forget(client)

    def _record(self, method: str, path: str, outcome: str) -> None:
        with self._lock:
            self.log.append(Seen(method, path, outcome))

    def _forward(self, method: str, head: bytes, body: bytes) -> tuple[str, bytes, bool]:
        """Send one request upstream on a connection of its own; returns (status, the response
        bytes for the client, whether the client connection may stay open)."""
        if self.latency:
            time.sleep(self.latency)
        up = socket.create_connection(self.upstream, timeout=HOLD_LIMIT)
        self._track(up)
        try:
            up.sendall(head + body)
            chunks = []
            while data := up.recv(1 << 16):
                chunks.append(data)
        finally:
            self._forget(up)
        raw = b"".join(chunks)
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            raise OSError("upstream closed without a response")
        lines = raw[:end].split(b"\r\n")
        status = lines[0].split(b" ", 2)[1].decode()
        headers = [ln for ln in lines[1:] if not ln.lower().startswith((b"connection:", b"keep-"))]
        names = {ln.split(b":", 1)[0].strip().lower() for ln in headers}
        framed = (
            method == "HEAD"
            or status in ("204", "304")
            or b"content-length" in names
            or b"transfer-encoding" in names
        )
        headers.append(b"Connection: keep-alive" if framed else b"Connection: close")
        return status, b"\r\n".join([lines[0], *headers]) + raw[end:], framed


class _Reader:
    """Buffered reads from a socket (recv may return less than asked)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def fill(self) -> bool:
        data = self.sock.recv(1 << 16)
        self.buf += data
        return bool(data)

    def until(self, marker: bytes) -> bytes | None:
        while (pos := self.buf.find(marker)) < 0:
            if not self.fill():
                return None
        out, self.buf = self.buf[: pos + len(marker)], self.buf[pos + len(marker) :]
        return out

    def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self.fill():
                raise OSError("client closed mid-body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def _read_request(reader: _Reader, client: socket.socket) -> tuple[str, str, bytes, bytes] | None:
    """(method, target, head to send upstream, body) of the next request; None at EOF. Answers
    ``Expect: 100-continue`` itself (and drops it upstream), so the body is always read."""
    raw = reader.until(b"\r\n\r\n")
    if raw is None:
        return None
    lines = raw[:-4].split(b"\r\n")
    method, target, _ = lines[0].decode("latin-1").split(" ", 2)
    headers: list[bytes] = []
    length, chunked, expect = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif key == b"expect" and value.strip().lower() == b"100-continue":
            expect = True
            continue
        if key not in (b"connection", b"keep-alive"):
            headers.append(line)
    if expect:
        client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if chunked:
        body = b""
        while True:
            size_line = reader.until(b"\r\n")
            if size_line is None:
                raise OSError("client closed mid-body")
            size = int(size_line.split(b";")[0], 16)
            body += size_line
            if size == 0:
                while (trailer := reader.until(b"\r\n")) not in (b"\r\n", None):
                    body += trailer
                body += b"\r\n"
                break
            body += reader.exactly(size + 2)
    else:
        body = reader.exactly(length)
    head = b"\r\n".join([lines[0], *headers, b"Connection: close"]) + b"\r\n\r\n"
    return method, target, head, body


def _error_response(action: str, method: str) -> bytes:
    reason, code, message = _ERRORS[action]
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>fault-proxy</RequestId></Error>".encode()
    )
    head = (
        f"HTTP/1.1 {action} {reason}\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    return head if method == "HEAD" else head + body


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed server or a middlebox would."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
