"""``mediatypes view --serve``: the written site over HTTP on 127.0.0.1 only.

The server's root is the nearest folder holding both the site and the run folder(s), but it only
answers for files inside the site folder or a run folder (anything else, directory listings and
paths that resolve elsewhere through ``..`` or symlinks are 404). GET and HEAD only; every
response carries the same Content-Security-Policy as the page.
"""

from __future__ import annotations

import http.server
import os
import posixpath
import socketserver
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .site import CSP

__all__ = ["Server", "make_server"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    allowed: tuple[str, ...] = ()

    def translate_path(self, path: str) -> str:
        rel = posixpath.normpath(unquote(urlsplit(path).path)).lstrip("/")
        return os.path.realpath(os.path.join(self.directory, rel))

    def send_head(self) -> Any:
        target = self.translate_path(self.path)
        inside = any(target.startswith(a + os.sep) for a in self.allowed)
        if not inside or not os.path.isfile(target):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI prints the URL
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    url: str = ""


def make_server(index: Path, roots: list[Path], port: int = 0) -> Server:
    """A server for ``index`` (the page) that serves files below ``roots`` only (the site folder
    and the run folders); ``port`` 0 picks a free port. ``server.url`` is the page's address."""
    allowed = tuple(os.path.realpath(r) for r in roots)
    base = os.path.commonpath(allowed)
    handler = type("Handler", (_Handler,), {"allowed": allowed})
    server = Server(("127.0.0.1", port), partial(handler, directory=base))
    rel = Path(os.path.realpath(index)).relative_to(base).as_posix()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/{quote(rel)}"
    return server
