"""Writing the viewer: one HTML page per run (plus a run list for a folder of runs), its data
files, and the shared static assets.

Layout of a site (``SITE`` is the folder of the page, ``RUN/view`` by default)::

    SITE/index.html           the page; its data is a JSON block inside it
    SITE/index_data/*.js      payloads loaded on demand (tables, chart specs, 3-D buffers, texts)
    SITE/assets/              viewer.js, viewer.css, gl.js and the Vega bundle (written once)

Run files are referenced with relative links (``../media/…``), so zipping the run folder keeps
the viewer working; a run that is not on the local disk gets its files copied into the data
folder. Everything from the run reaches the page as escaped JSON and is shown with
``textContent``; a Content-Security-Policy allows only the site's own scripts, styles and files.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import time
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from .. import open_run
from .._optional import require
from ..core.store import atomic_write
from ..errors import InvalidInputError, MediaError, MediaFileNotFoundError, UnsafePathError
from ..runs.files import is_url, run_files
from ..runs.history import RunWarning
from . import collect, sampling

__all__ = ["CSP", "BuildResult", "Site", "build", "page_html", "script_json"]

MARKER = ".mediatypes-view"
STATIC = ("viewer.js", "viewer.css", "gl.js", "favicon.svg")
OVERLAY_LIMIT = 2000  # points per run and key in the multi-run overlay

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'"
)

_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}
_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` and in a .js file: ``<``,
    ``>``, ``&`` and U+2028/2029 (which only occur inside strings) become ``\\uXXXX`` escapes, so
    ``</script>`` or ``<!--`` in a run's strings cannot end the block."""
    return orjson.dumps(data, option=_OPTS).decode("utf-8").translate(_ESCAPES)


def _html_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def page_html(title: str, data: Any, assets: str, bundle: str) -> str:
    """The page: CSP, the data block and the site's own scripts (nothing inline runs)."""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html_text(title)} · mediatypes</title>\n"
        f'<link rel="icon" href="{assets}favicon.svg" type="image/svg+xml">\n'
        f'<link rel="stylesheet" href="{assets}viewer.css">\n'
        "</head><body>\n"
        "<noscript>This viewer needs JavaScript (it runs only the files in its assets/ folder)."
        "</noscript>\n"
        f'<script type="application/json" id="mt-data">{script_json(data)}</script>\n'
        f'<script src="{assets}{bundle}"></script>\n'
        f'<script src="{assets}gl.js"></script>\n'
        f'<script src="{assets}viewer.js"></script>\n'
        "</body></html>\n"
    )


def _write(path: Path, data: bytes) -> None:
    """Atomically, readable by all (the site is meant to be served, zipped and mailed)."""
    atomic_write(path, data)
    os.chmod(path, 0o644)


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _write(path, data)
    return True


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mediatypes"


def _bundle_text(name: str) -> bytes:
    """The bundle, from the user's cache (``~/.cache/mediatypes``) or made by vl-convert (about
    2 s) and cached there; a cache that cannot be written is skipped."""
    cached = _cache_dir() / name
    try:
        return cached.read_bytes()
    except OSError:
        pass
    vlc = require("vl_convert", "mediatypes view (its charts use the Vega bundle of vl-convert)")
    text = vlc.javascript_bundle().encode("utf-8")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cached, text)
    except OSError:
        pass
    return text


def _vega_bundle(assets: Path) -> str:
    """Write the Vega + Vega-Lite + vega-embed bundle of the installed vl-convert once (its
    version is in the file name); returns the file name."""
    vlc = require("vl_convert", "mediatypes view (its charts use the Vega bundle of vl-convert)")
    version = re.sub(r"[^0-9A-Za-z.]", "_", str(getattr(vlc, "__version__", "0")))
    name = f"vega-{version}.js"
    target = assets / name
    if not target.is_file():
        _write(target, _bundle_text(name))
    for old in assets.glob("vega-*.js"):
        if old.name != name:
            old.unlink()
    return name


def write_assets(assets: Path) -> str:
    """The static files of the viewer (rewritten only when they changed); returns the name of
    the Vega bundle."""
    assets.mkdir(parents=True, exist_ok=True)
    static = resources.files("mediatypes.view") / "static"
    for name in STATIC:
        _write_if_changed(assets / name, (static / name).read_bytes())
    return _vega_bundle(assets)


def _safe_rel(relpath: Any) -> str | None:
    """``relpath`` when it is a plain relative POSIX path inside its root, else None."""
    if not isinstance(relpath, str) or not relpath or "\\" in relpath or "\x00" in relpath:
        return None
    if relpath.startswith("/") or posixpath.normpath(relpath) != relpath:
        return None
    if any(part in ("..", ".") for part in relpath.split("/")):
        return None
    return relpath


def local_dir(reader: Any) -> Path | None:
    """The run's folder on the local disk, or None (a run read from elsewhere)."""
    d = getattr(reader, "dir", None)
    if isinstance(d, Path) and d.is_dir():
        return d
    return None


@dataclass
class Site:
    """The data folder of one page: links to run files, payload files, 3-D buffers."""

    reader: Any
    page: Path  # the page's .html file
    run_dir: Path | None = None
    written: set[str] = field(default_factory=set)
    geometry_notes: list[str] = field(default_factory=list)
    _urls: dict[str, str | None] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.page.with_name(self.page.stem + "_data")

    @property
    def data_url(self) -> str:
        return quote(self.data_dir.name) + "/"

    def prepare(self) -> None:
        d = self.data_dir
        if d.exists() and not (d / MARKER).exists() and any(d.iterdir()):
            raise UnsafePathError(
                f"view: the data folder {d} exists and was not written by the viewer; move it or "
                "choose another output with -o."
            )
        d.mkdir(parents=True, exist_ok=True)
        if not (d / MARKER).exists():
            (d / MARKER).touch()

    def url(self, relpath: Any) -> str | None:
        """A link from the page to a file of the run (None when it is unsafe or missing)."""
        rel = _safe_rel(relpath)
        if rel is None:
            return None
        if rel in self._urls:
            return self._urls[rel]
        out: str | None = None
        if self.run_dir is not None:
            if self.reader.exists(rel):
                prefix = Path(os.path.relpath(self.run_dir, self.page.parent)).as_posix()
                out = quote(f"{prefix}/{rel}")
        else:  # not on this disk: copy it beside the page (one GET; a missing file fails it)
            try:
                data = self.reader.read_bytes(rel)
            except (MediaFileNotFoundError, UnsafePathError):  # a network error is raised
                data = None
            if data is not None:
                ext = re.sub(r"[^0-9A-Za-z.]", "", posixpath.splitext(rel)[1])[:12]
                name = "f" + hashlib.sha1(rel.encode()).hexdigest()[:20] + ext
                (self.data_dir / "files").mkdir(exist_ok=True)
                _write_if_changed(self.data_dir / "files" / name, data)
                self.written.add("files/" + name)
                out = f"{self.data_url}files/{name}"
        self._urls[rel] = out
        return out

    def blob(self, payload: Any) -> str:
        """Store ``payload`` as a data file the page loads on demand; returns its id."""
        body = script_json(payload)
        ident = "b" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:20]
        name = ident + ".js"
        if name not in self.written:
            path = self.data_dir / name
            if not path.exists():
                _write(path, f'mtBlob("{ident}",{body});\n'.encode())
            self.written.add(name)
        return ident

    def geometry(self, manifest: dict[str, Any]) -> str | None:
        from .geometry import geometry

        rel = _safe_rel(manifest.get("path"))
        if rel is None or not self.reader.exists(rel):
            return None
        try:
            data = geometry(self.reader.read_bytes(rel), manifest, collect.MAX_POINTS_3D)
        except MediaError as exc:
            self.geometry_notes.append(str(exc))
            return None
        return self.blob(data)

    def prune(self) -> None:
        """Remove data files of an earlier build that this one did not write."""
        for p in self.data_dir.glob("b*.js"):
            if p.name not in self.written:
                p.unlink()
        files = self.data_dir / "files"
        if files.is_dir():
            for p in files.iterdir():
                if "files/" + p.name not in self.written:
                    p.unlink()


@dataclass
class BuildResult:
    """What ``build`` wrote."""

    index: Path
    pages: list[Path]
    runs: int
    run_dirs: list[Path]  # the runs' folders on the local disk (what the pages link into)
    seconds: float
    warnings: list[str]


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _check_out(out: Path, run_dirs: list[Path]) -> None:
    """The viewer writes into a run folder only below its ``view/`` folder."""
    for d in run_dirs:
        if _is_inside(out, d) and not _is_inside(out, d / "view"):
            raise UnsafePathError(
                f"view: `-o` {out} is inside the run folder {d}; the viewer writes there only "
                f"below {d / 'view'}. Choose a path outside the run or in its view/ folder."
            )


def _open_runs(path: Any, storage_options: dict[str, Any] | None) -> tuple[Any | None, list[Any]]:
    """(the run, []) for a run folder or URL; (None, runs) for a folder (or a URL prefix) holding
    runs one level below it."""
    try:
        return open_run(path, storage_options=storage_options), []
    except MediaFileNotFoundError:
        pass
    if is_url(path):
        return None, _remote_runs(path, storage_options)
    folder = Path(os.fspath(path))
    if not folder.is_dir():
        raise MediaFileNotFoundError(
            f"view: `RUN_DIR` expects a run folder (with run.json) or a folder of runs; "
            f"{str(path)!r} is neither."
        )
    runs = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.is_symlink() or child.name == "view":  # never follow a link out of the folder
            continue
        if child.is_dir() and (child / "run.json").is_file():
            try:
                runs.append(open_run(child))
            except MediaError as exc:
                warnings.warn(f"view: skipped {child.name}: {exc}", RunWarning, stacklevel=3)
    if not runs:
        raise MediaFileNotFoundError(
            f"view: `RUN_DIR` expects a run folder (with run.json) or a folder of runs; "
            f"{str(path)!r} holds no run."
        )
    return None, runs


def _remote_runs(url: str, storage_options: dict[str, Any] | None) -> list[Any]:
    """The runs directly below a URL prefix (``s3://bucket/team/`` holding ``<run>/run.json``),
    found by listing the prefix one level deep."""
    base = url.rstrip("/")
    files = run_files(base, storage_options)
    runs = []
    for name in files.folders():
        if name == "view" or not files.exists(f"{name}/run.json"):
            continue
        try:
            runs.append(open_run(f"{base}/{name}", storage_options=storage_options))
        except MediaError as exc:
            warnings.warn(f"view: skipped {name}: {exc}", RunWarning, stacklevel=4)
    if not runs:
        raise MediaFileNotFoundError(
            f"view: `RUN_DIR` expects a run (with run.json) or a prefix holding runs one level "
            f"below it; {url!r} holds neither."
        )
    return runs


def _remote(path: Any) -> bool:
    return is_url(path) and not str(path).startswith("file://")


def _name(reader: Any) -> str:
    """A run's name in a run list: its folder, or the last part of its URL."""
    local = local_dir(reader)
    if local is not None:
        return local.name
    return str(reader.url).rstrip("/").rsplit("/", 1)[-1] or str(reader.id)


def _stem(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z._-]", "_", name).lstrip(".")[:80] or "run"
    stem, i = base, 2
    while stem in taken or stem == "index":
        stem, i = f"{base}-{i}", i + 1
    taken.add(stem)
    return stem


def _write_page(page: Path, data: dict[str, Any], assets: Path, bundle: str) -> None:
    prefix = Path(os.path.relpath(assets, page.parent)).as_posix() + "/"
    html = page_html(str(data.get("title", "")), data, quote(prefix), bundle)
    _write_if_changed(page, html.encode("utf-8"))


def build_run_page(reader: Any, page: Path, assets: Path, bundle: str, **extra: Any) -> Site:
    site = Site(reader, page, local_dir(reader))
    site.prepare()
    data = collect.run_data(reader, site)
    data.update(extra, data_dir=site.data_url)
    data["warnings"] = data["warnings"] + site.geometry_notes
    _write_page(page, data, assets, bundle)
    site.prune()
    site.data = data  # type: ignore[attr-defined]  # kept for the run list
    return site


def _overlay(runs_data: list[dict[str, Any]], site: Site) -> dict[str, str]:
    """Per scalar key, one data file with its series in every run (downsampled further)."""
    per_key: dict[str, dict[str, Any]] = {}
    xs: dict[str, str] = {}
    for i, data in enumerate(runs_data):
        for chart in data["charts"]:
            for key, s in chart["series"].items():
                per_key.setdefault(key, {})[str(i)] = collect.series_of(
                    s["x"], s["y"], OVERLAY_LIMIT
                ) | {"n": s["n"]}
                xs.setdefault(key, chart["x"])
    return {k: site.blob({"key": k, "x": xs[k], "runs": v}) for k, v in sorted(per_key.items())}


def build(
    path: Any,
    out: str | os.PathLike[str] | None = None,
    *,
    limit: int = sampling.LIMIT,
    storage_options: dict[str, Any] | None = None,
) -> BuildResult:
    """Write the viewer for a run folder or a folder of runs; returns what was written.

    ``path`` is passed to ``open_run`` as given: a run folder, a URL of a run on object storage
    (``s3://bucket/team/run-7``; ``storage_options`` go to fsspec), or a folder / URL prefix
    holding runs one level below it. ``out`` is the page to write (default
    ``RUN/view/index.html``, or ``RUNS/view/index.html``; required for a run that is not on the
    local disk, whose files are then copied beside the page); its folder gets ``assets/`` and the
    data folder ``<name>_data/``.

    >>> build("runs/20260101-120000-abcdef").index  # doctest: +SKIP
    PosixPath('runs/20260101-120000-abcdef/view/index.html')
    """
    start = time.perf_counter()
    if is_url(path) and str(path).startswith("file://") and not storage_options:
        path = str(path)[len("file://") :]  # a local folder, also for a folder of runs
    if out is None and _remote(path):
        raise InvalidInputError(
            f"view: {str(path)!r} is not on the local disk, so the viewer cannot be written "
            "beside the run; pass the page to write with -o (out=), e.g. `-o view/index.html`. "
            "The run's media files are copied next to it."
        )
    run, runs = _open_runs(path, storage_options)
    readers = [run] if run is not None else runs
    dirs = [d for d in (local_dir(r) for r in readers) if d is not None]
    if out is None:
        if run is not None and local_dir(run) is None:
            raise InvalidInputError(
                f"view: the run {str(path)!r} is not on the local disk; pass -o OUT.html."
            )
        base = local_dir(run) if run is not None else Path(os.fspath(path))
        index = Path(base or ".") / "view" / "index.html"
    else:
        index = Path(out)
        if index.suffix.lower() not in (".html", ".htm"):
            raise InvalidInputError(
                f"view: `-o` expects a file name ending in .html; got {str(out)!r}."
            )
        if run is None:
            _check_out(index, dirs)
        elif local_dir(run) is not None:
            _check_out(index, [local_dir(run)])  # type: ignore[list-item]
    index = index.absolute()
    assets = index.parent / "assets"
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", RunWarning)
        bundle = write_assets(assets)
        pages = [index]
        if run is not None:
            build_run_page(run, index, assets, bundle, home=None)
        else:
            taken: set[str] = set()
            runs_data = []
            entries = []
            for r in runs:
                name = _name(r)
                page = index.with_name(_stem(name, taken) + ".html")
                site = build_run_page(r, page, assets, bundle, home=quote(index.name))
                pages.append(page)
                data = site.data  # type: ignore[attr-defined]
                runs_data.append(data)
                meta = dict(data["meta"])
                entries.append(
                    {
                        "href": quote(page.name),
                        "folder": name,
                        **{
                            k: meta.get(k)
                            for k in ("id", "name", "project", "state", "started_at", "finished_at")
                        },
                        "summary": {
                            k: v
                            for k, v in data["summary"].items()
                            if isinstance(v, (int, float))
                            and not isinstance(v, bool)
                            and not k.startswith("_")
                        },
                    }
                )
            site = Site(None, index)
            site.prepare()
            keys = _overlay(runs_data, site)
            data = {
                "page": "runs",
                "title": str(path).rstrip("/").rsplit("/", 1)[-1] or str(path),
                "runs": entries,
                "keys": keys,
                "data_dir": site.data_url,
            }
            _write_page(index, data, assets, bundle)
            site.prune()
    caught = sorted({str(w.message) for w in seen})
    return BuildResult(index, pages, len(readers), dirs, time.perf_counter() - start, caught)
