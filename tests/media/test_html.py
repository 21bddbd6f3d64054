"""Html: inline default styles placed well (parsed back with html.parser), or bytes untouched."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mediatypes as mt
from mediatypes import _registry
from mediatypes.errors import DecodeError, InvalidTypeError, MediaFileNotFoundError
from mediatypes.html import DEFAULT_STYLE

FIX = Path(__file__).parents[2] / "fixtures" / "html"


class Outline(HTMLParser):
    """Start tags with their parents, so we can check where the <style> landed."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, tuple[str, ...]]] = []
        self.style_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, tuple(self.stack)))
        if tag not in ("meta", "br", "img", "link", "hr", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.style_text += data


def outline(data: bytes) -> Outline:
    p = Outline()
    p.feed(data.decode("utf-8"))
    p.close()
    return p


def written(m: dict[str, Any], root: Path) -> bytes:
    return (root / m["path"]).read_bytes()


@pytest.mark.parametrize("name", ["full.html", "bare.html", "fragment.html", "tricky.html"])
def test_injected_style_is_inline_in_head(tmp_path: Path, name: str) -> None:
    src = (FIX / name).read_bytes()
    m = mt.Html(FIX / name).save(tmp_path)
    out = written(m, tmp_path)
    o = outline(out)
    styles = [parents for tag, parents in o.seen if tag == "style"]
    assert len(styles) == 1 and styles[0][-1] == "head", styles
    assert [t for t, _ in o.seen].count("head") == 1
    assert "url(" not in o.style_text and "@import" not in o.style_text
    # no network reference beyond what the user's own content had
    assert out.lower().count(b"http") == src.lower().count(b"http")
    assert src.decode() in out.decode() or name in ("full.html", "bare.html", "tricky.html")
    assert m["injected"] is True and m["format"] == "html"


def test_head_inside_comment_or_script_is_not_used() -> None:
    out = mt.Html((FIX / "tricky.html").read_text()).encode()[0]
    assert out is not None and out.data is not None
    text = out.data.decode()
    assert text.index("<style") > text.index('<HEAD data-x="1">')
    assert text.startswith("<!-- a comment that mentions <head> and <html> -->")


def test_fragment_is_wrapped_in_a_minimal_document(tmp_path: Path) -> None:
    frag = '<a href="https://mysite">Link</a>'
    out = written(mt.Html(frag).save(tmp_path), tmp_path).decode()
    assert out.startswith("<!DOCTYPE html>") and frag in out
    o = outline(out.encode())
    assert ("a", ("html", "body")) in o.seen
    assert out.count("http") == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: (FIX / "tricky.html").read_text(encoding="utf-8"),
        lambda: (FIX / "latin1.html").read_bytes(),
        lambda: FIX / "latin1.html",
        lambda: open(FIX / "full.html", "rb"),  # noqa: SIM115
        lambda: io.StringIO((FIX / "bare.html").read_text(encoding="utf-8")),
    ],
)
def test_inject_false_keeps_bytes(tmp_path: Path, make: Any) -> None:
    data = make()
    if isinstance(data, str):
        expected = data.encode("utf-8")
    elif isinstance(data, bytes):
        expected = data
    elif isinstance(data, Path):
        expected = data.read_bytes()
    else:
        expected = data.read()
        expected = expected.encode() if isinstance(expected, str) else expected
        data.seek(0)
    m = mt.Html(data, inject=False).save(tmp_path)
    if hasattr(data, "close"):
        data.close()
    assert written(m, tmp_path) == expected and m["injected"] is False


def test_manifest_loads_back(tmp_path: Path) -> None:
    m = mt.Html("<p>x</p>", caption="c").save(tmp_path)
    back = _registry.load(m, tmp_path)
    assert isinstance(back, mt.Html) and back.save(tmp_path) == m


@given(st.text(max_size=200))
def test_any_text_injects_and_keeps_the_content(text: str) -> None:
    obj = mt.Html(text)
    payload = obj.encode()[0]
    assert payload is not None and payload.data is not None
    out = payload.data.decode("utf-8")
    assert "<style data-mediatypes>" in out
    assert out.replace(DEFAULT_STYLE, "", 1).count("http") == text.count("http")
    raw = mt.Html(text, inject=False).encode()[0]
    assert raw is not None and raw.data == text.encode("utf-8")


BAD = [
    (lambda: mt.Html(FIX / "latin1.html"), DecodeError, "not UTF-8.*inject=False"),
    (lambda: mt.Html(123), InvalidTypeError, "`data` expects an HTML str"),
    (lambda: mt.Html("<p/>", inject="yes"), InvalidTypeError, "`inject` expects a bool"),
    (lambda: mt.Html(FIX / "missing.html"), MediaFileNotFoundError, "existing file"),
]


@pytest.mark.parametrize(("make", "exc", "msg"), BAD)
def test_bad_inputs(assert_nothing_written: Path, make: Any, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        make().save(assert_nothing_written)
