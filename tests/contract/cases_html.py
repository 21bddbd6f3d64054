"""Contract cases for Html: the written file parses with html.parser and holds what we expect."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import mediatypes as mt

from .case import Case

FIX = Path(__file__).parents[2] / "fixtures" / "html"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _check(injected: bool, source: Path) -> Any:
    def check(manifest: dict[str, Any], root: Path) -> None:
        data = (root / manifest["path"]).read_bytes()
        parser = _Tags()
        parser.feed(data.decode("utf-8"))
        parser.close()
        assert manifest["injected"] is injected
        if injected:
            assert parser.tags.count("style") == 1 and parser.tags.count("head") == 1
        else:
            assert data == source.read_bytes()

    return check


CASES = [
    Case("html-document", lambda: mt.Html(FIX / "full.html"), _check(True, FIX / "full.html")),
    Case(
        "html-raw",
        lambda: mt.Html(FIX / "bare.html", inject=False),
        _check(False, FIX / "bare.html"),
    ),
]
