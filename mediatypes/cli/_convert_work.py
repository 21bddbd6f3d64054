"""The work of ``mediatypes convert`` for one chunk of inputs; runs in the CLI process or in a
pool worker. Media classes are resolved by string through ``mediatypes._registry`` so a type that is
not installed (or not built yet) is reported per input instead of breaking the command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _registry
from ..core.media import MANIFEST_SUFFIX
from ..core.store import sanitize_key
from ..errors import InvalidInputError, MediaError, MediaFileNotFoundError
from ._detect import CLI_TYPES, array_type, detect

__all__ = ["Options", "Task", "convert_chunk", "convert_one", "convert_path", "media_class_for"]

# the keyword each class takes for an output format
FORMAT_KEYWORD = {"image": "file_type", "video": "format", "audio": "format"}


@dataclass(frozen=True)
class Options:
    out: str
    kind: str | None = None  # forced CLI type
    formats: dict[str, str] = field(default_factory=dict)  # CLI type -> output format
    fps: float | None = None
    sample_rate: int | None = None


@dataclass(frozen=True)
class Task:
    source: str  # input path as given (for messages)
    name: str  # key under the output folder


def media_class_for(kind: str) -> Any:
    """The media class for a CLI type name; raises ImportError/InvalidInputError when unavailable."""
    return _registry.media_class(CLI_TYPES[kind])


def _head(path: Path, size: int = 4) -> bytes:
    """The first ``size`` bytes of a file (its magic number), without reading the rest."""
    with open(path, "rb") as fh:
        return fh.read(size)


def _read_table(path: Path) -> Any:
    from .._optional import require

    pd = require("pandas", "Table")
    ext = path.suffix.lower()
    if ext in (".parquet", ".pq") or _head(path) == b"PAR1":
        require("pyarrow", "Table")
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if ext == ".tsv" else ",")


def _build(kind: str, data: Any, opts: Options) -> Any:
    cls = media_class_for(kind)
    kwargs: dict[str, Any] = {}
    fmt = opts.formats.get(kind)
    if fmt is not None:
        kwargs[FORMAT_KEYWORD[kind]] = fmt
    if kind == "video" and opts.fps is not None:
        kwargs["fps"] = opts.fps
    if kind == "audio":
        if opts.sample_rate is not None:
            kwargs["sample_rate"] = opts.sample_rate
        elif not isinstance(data, Path):
            raise InvalidInputError("audio arrays need a sample rate; pass --sample-rate HZ")
    if kind == "molecule" and isinstance(data, Path) and data.suffix.lower() == ".mol":
        return cls.from_rdkit(data)  # MDL molfile: read by RDKit, stored as PDB
    if kind == "table":
        if isinstance(data, Path):
            return cls.from_dataframe(_read_table(data))
        if getattr(data, "ndim", 0) != 2:
            raise InvalidInputError(
                f"a table array expects 2 dimensions (rows, columns); got shape {data.shape}"
            )
        return cls(columns=[f"c{i}" for i in range(data.shape[1])], data=data)
    return cls(data, **kwargs)


def _arrays(path: Path) -> list[tuple[str, Any]]:
    import numpy as np

    if path.suffix.lower() == ".npz" or _head(path) == b"PK\x03\x04":
        with np.load(path, allow_pickle=False) as npz:
            return [(name, npz[name]) for name in sorted(npz.files)]
    return [("", np.load(path, allow_pickle=False))]


def convert_path(path: Path, name: str, opts: Options) -> list[tuple[str, str, dict[str, Any]]]:
    """Convert one input below ``opts.out`` under ``name``; ``(name, type, manifest)`` of each
    output (an ``.npz`` gives one per array). Raises our errors; writes nothing for a bad input."""
    if not path.is_file():
        raise MediaFileNotFoundError(
            f"convert: `path` expects an existing file; got {str(path)!r}."
        )
    detected = detect(path)
    if detected is None and opts.kind is None:
        raise InvalidInputError(
            "cannot tell the media type from the content or the extension; pass --type"
        )
    items: list[tuple[str, Any]] = _arrays(path) if detected == "array" else [("", path)]
    # build (validate) every item first, so a bad array in an .npz writes nothing at all
    built = []
    for sub, data in items:
        item_kind = opts.kind or (detected if detected != "array" else array_type(data))
        if item_kind is None:
            raise InvalidInputError(
                f"array{f' {sub!r}' if sub else ''} of shape {data.shape} matches no media "
                "type; pass --type"
            )
        built.append((f"{name}/{sub}" if sub else name, item_kind, _build(item_kind, data, opts)))
    return [(n, kind, media.save(opts.out, n)) for n, kind, media in built]


def convert_one(task: Task, opts: Options) -> dict[str, Any]:
    """Convert one input; returns ``{"input", "ok", "outputs"|"error"}`` and never raises."""
    outputs: list[dict[str, Any]] = []
    try:
        for name, item_kind, manifest in convert_path(Path(task.source), task.name, opts):
            outputs.append(
                {
                    "type": item_kind,
                    "manifest": sanitize_key(name) + MANIFEST_SUFFIX,
                    "path": manifest.get("path"),
                }
            )
    except Exception as exc:  # one bad input never stops the others
        return {"input": task.source, "ok": False, "error": _reason(exc), "outputs": outputs}
    return {"input": task.source, "ok": True, "outputs": outputs}


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ModuleNotFoundError):
        return f"this media type is not available in this installation ({text})"
    if not isinstance(exc, MediaError):
        text = f"{type(exc).__name__}: {text}"
    return text


def convert_chunk(
    tasks: Iterable[Task], opts: Options, progress: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Convert tasks in order; ``progress(1)`` after each when given."""
    out = []
    for task in tasks:
        out.append(convert_one(task, opts))
        if progress is not None:
            progress(1)
    return out
