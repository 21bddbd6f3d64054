"""Html: an HTML document or fragment stored as a ``.html`` file (inert: never rendered or run).

Encoding (``_type = "html-file"``, schema version 1): with ``inject=True`` (the default, as in the
reference SDK) a small default stylesheet is added **inline** as one ``<style>`` element — no link,
import, font or any other network reference — in a well-formed place: right after an existing
``<head>`` start tag; inside a new ``<head>`` after a bare ``<html>`` (or before a bare ``<body>``);
otherwise the fragment is wrapped in a minimal UTF-8 document. Tags are located with the standard
library's ``html.parser``, so a ``<head>`` inside a comment or script is not mistaken for the real
one. ``inject=False`` stores the input bytes untouched.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from typing import Any, ClassVar

from .core.inputs import read_path_or_file, utf8
from .core.media import Encoded, Media, Payload, check_caption
from .errors import (
    DecodeError,
    InvalidTypeError,
    describe,
)

__all__ = ["DEFAULT_STYLE", "Html"]

OWNER = "Html"

# Self-contained: system font stacks only, no url(), no @import.
DEFAULT_STYLE = (
    "<style data-mediatypes>"
    "body{margin:0;padding:8px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
    "Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1a1a1a;background:#fff}"
    "table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:4px 8px}"
    "pre,code{font-family:ui-monospace,Menlo,Consolas,monospace}img{max-width:100%}"
    "</style>"
)


class _TagFinder(HTMLParser):
    """Offsets just after the first ``<html>``/``<head>`` start tag and before the first ``<body>``."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        # html.parser counts lines by "\n" only; map (line, col) back to string offsets likewise.
        starts = [0]
        at = text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        self._starts = starts
        self.after: dict[str, int] = {}
        self.before: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("html", "head", "body") and tag not in self.before:
            line, col = self.getpos()
            start = self._starts[line - 1] + col
            self.before[tag] = start
            self.after[tag] = start + len(self.get_starttag_text() or "")


def inject_style(text: str, style: str = DEFAULT_STYLE) -> str:
    """``text`` with ``style`` added in a well-formed place (see the module docstring)."""
    finder = _TagFinder(text)
    finder.feed(text)
    finder.close()
    if "head" in finder.after:
        at = finder.after["head"]
        return text[:at] + style + text[at:]
    if "html" in finder.after:
        at = finder.after["html"]
        return text[:at] + "<head>" + style + "</head>" + text[at:]
    if "body" in finder.before:
        at = finder.before["body"]
        return text[:at] + "<head>" + style + "</head>" + text[at:]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        + style
        + "</head><body>\n"
        + text
        + "\n</body></html>\n"
    )


class Html(Media):
    """HTML from a string, a path (``pathlib.Path``/``os.PathLike``) or a text/binary file object.

    A ``str`` is always HTML content, as in the reference SDK; pass ``Path("page.html")`` for a file.

    >>> Html("<h1>Hello</h1>").save("out")["injected"]  # doctest: +SKIP
    True
    """

    _type: ClassVar[str] = "html-file"
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init__(self, data: Any, inject: bool = True, caption: str | None = None) -> None:
        self.caption = check_caption(caption, OWNER)
        if not isinstance(inject, bool):
            raise InvalidTypeError(f"{OWNER}: `inject` expects a bool; got {describe(inject)}.")
        if isinstance(data, str):
            raw = utf8(data, "data", OWNER)
        elif isinstance(data, (bytes, bytearray, memoryview)):
            raw = bytes(data)
        elif isinstance(data, os.PathLike) or hasattr(data, "read"):
            raw, _ = read_path_or_file(data, "data", OWNER)
        else:
            raise InvalidTypeError(
                f"{OWNER}: `data` expects an HTML str, bytes, a path or a file object; got "
                f"{describe(data)}."
            )
        self.inject = inject
        if inject:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"{OWNER}: `data` expects UTF-8 text to inject styles into; got bytes that are "
                    f"not UTF-8 ({exc.reason} at byte {exc.start}). Pass inject=False to store "
                    "them untouched."
                ) from exc
            self._bytes = inject_style(text).encode("utf-8")
        else:
            self._bytes = raw

    def _encode(self) -> Encoded:
        return Payload(ext="html", data=self._bytes), {
            "format": "html",
            "injected": self.inject,
            "caption": self.caption,
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Html:
        from .core.media import root_path

        obj = cls(root_path(root, manifest), inject=False, caption=manifest.get("caption"))
        obj.inject = bool(manifest.get("injected"))
        return obj

    def default_name(self) -> str:
        return "html"
