"""``mediatypes convert INPUT… --to DIR``: files, folders, arrays and tables to canonical files plus
one manifest per input, in parallel worker processes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import _registry, schemas
from ..core.media import MANIFEST_SUFFIX
from ..core.store import sanitize_key
from ..errors import InvalidInputError, InvalidTypeError
from ._convert_work import FORMAT_KEYWORD, Options, Task, convert_chunk, convert_path
from ._detect import CLI_TYPES, guess_from_extension
from ._output import UsageError, emit_json, progress_bar, wrap

EXAMPLES = """examples:
  mediatypes convert photos/ --to out/                 # every file below photos/, type detected
  mediatypes convert frames.npy --to out/ --type video --fps 8 --format mp4
  mediatypes convert clip.npy --to out/ --type audio --sample-rate 16000
  mediatypes convert data.csv results.parquet --to out/ --json
  mediatypes convert big/ --to out/ --jobs 2 --format image=jpeg --format video=mp4

Names follow the input's path relative to the inputs' common folder (photos/a/cat.png -> a/cat),
so two inputs never share a manifest. Exit code 1 when any input failed (the rest are converted)."""


# below this many inputs, starting worker processes costs more than it saves
MIN_POOL_TASKS = 4


def convert_one(
    path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    name: str | None = None,
    kind: str | None = None,
    format: str | None = None,
    fps: float | None = None,
    sample_rate: int | None = None,
) -> dict[str, Any]:
    """Convert one input file into ``dest`` (canonical file + ``<name>.manifest.json``) and
    return its manifest: the unit of work of ``mediatypes convert``, for Dask, Ray or a pool.

    ``name`` is where the output goes below ``dest`` (default: the file's stem; give each input
    of a batch its own, e.g. its path relative to the input folder). ``kind`` forces the type
    (``image``, ``video``, ``audio``, ...), ``format`` the output format, ``fps`` /
    ``sample_rate`` apply to arrays. An ``.npz`` holding several arrays returns a dict of their
    manifests by array name. A bad input raises a ``mediatypes`` error and writes nothing.

    >>> import dask.bag as db                                                # doctest: +SKIP
    >>> db.from_sequence(paths).map(mt.convert_one, "out/").compute()       # doctest: +SKIP
    """
    if kind is not None and kind not in CLI_TYPES:
        raise InvalidInputError(
            f"convert_one: `kind` expects one of {', '.join(sorted(CLI_TYPES))}; got {kind!r}."
        )
    if not isinstance(path, (str, os.PathLike)) or not isinstance(dest, (str, os.PathLike)):
        raise InvalidTypeError(
            f"convert_one: `path` and `dest` expect paths (str or os.PathLike); got "
            f"{type(path).__name__} and {type(dest).__name__}."
        )
    source = Path(path)
    formats = {k: format for k in FORMAT_KEYWORD} if format is not None else {}
    opts = Options(str(dest), kind, formats, fps, sample_rate)
    outputs = convert_path(source, name if name is not None else source.stem, opts)
    if len(outputs) == 1:
        return outputs[0][2]
    return {n.rsplit("/", 1)[-1]: manifest for n, _, manifest in outputs}


def available_types() -> list[str]:
    """CLI types whose media class is registered in this installation."""
    return [k for k, t in CLI_TYPES.items() if t in _registry.TYPES]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "convert",
        help="convert files, folders and arrays to canonical files + manifests",
        description=wrap(
            "Convert files, folders (recursively), .npy/.npz arrays and CSV/Parquet tables "
            "into canonical media files plus one manifest per input. The type of each input is "
            "detected from its content and extension unless --type is given."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders")
    p.add_argument("--to", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--type", dest="kind", choices=available_types(), help="force the media type")
    p.add_argument(
        "--format",
        action="append",
        default=[],
        metavar="[TYPE=]FMT",
        help="output format, e.g. jpeg (with --type) or video=mp4; repeatable "
        f"(applies to {', '.join(sorted(FORMAT_KEYWORD))})",
    )
    p.add_argument("--fps", type=float, help="frames per second for video arrays (default 4)")
    p.add_argument("--sample-rate", type=int, metavar="HZ", help="sample rate for audio arrays")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="worker processes (default: min(4, cores))",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=run)


def parse_formats(values: list[str], kind: str | None) -> dict[str, str]:
    formats: dict[str, str] = {}
    for value in values:
        key, sep, fmt = value.partition("=")
        if not sep:
            if kind is None:
                raise UsageError(f"--format {value!r} needs --type, or write it as TYPE={value}")
            key, fmt = kind, value
        if key not in FORMAT_KEYWORD:
            raise UsageError(
                f"--format: {key!r} has no output format choice; "
                f"choose for {', '.join(sorted(FORMAT_KEYWORD))}"
            )
        formats[key] = fmt.lower().lstrip(".")
    return formats


def _walk(folder: str, out: str) -> list[tuple[str, str]]:
    """(absolute path, path as shown) of every file below ``folder``, sorted; skips hidden files
    and folders, manifests, and the output folder. Plain ``os.scandir``: one stat per entry."""
    found: list[tuple[str, str]] = []
    root = os.path.realpath(folder)
    stack = [(root, folder)]
    while stack:
        real, shown = stack.pop()
        try:
            entries = sorted(os.scandir(real), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.endswith(MANIFEST_SUFFIX):
                continue
            if entry.is_dir(follow_symlinks=False):  # no symlink loops
                if entry.path != out:
                    stack.append((entry.path, os.path.join(shown, name)))
            elif entry.is_file():
                found.append((entry.path, os.path.join(shown, name)))
    found.sort()
    return found


def collect(inputs: list[str], out: Path) -> tuple[list[Task], list[dict[str, Any]]]:
    """Expand folders; name each file by its path relative to the inputs' common folder.

    Returns the tasks and the failures for inputs that do not exist.
    """
    failures: list[dict[str, Any]] = []
    found: list[tuple[str, str]] = []  # (absolute path, path as shown)
    bases: list[str] = []
    out_real = os.path.realpath(out)
    for raw in inputs:
        if os.path.isdir(raw):
            bases.append(os.path.realpath(raw))
            files = _walk(raw, out_real)
            found += files
            if not files:
                failures.append(
                    {
                        "input": raw,
                        "ok": False,
                        "error": "folder holds no files to convert",
                        "outputs": [],
                    }
                )
        elif os.path.isfile(raw):
            real = os.path.realpath(raw)
            bases.append(os.path.dirname(real))
            found.append((real, raw))
        else:
            failures.append(
                {"input": raw, "ok": False, "error": "no such file or folder", "outputs": []}
            )
    if not found:
        return [], failures
    common = os.path.commonpath(bases)
    prefix = common.rstrip(os.sep) + os.sep
    seen: set[str] = set()
    rels: list[tuple[str, str]] = []  # (path as shown, POSIX path relative to common)
    for real, shown in found:
        if real in seen:
            continue
        seen.add(real)
        # every real path lies below common; slicing is what relpath would return, 10x cheaper
        rel = real[len(prefix) :] if real.startswith(prefix) else os.path.relpath(real, common)
        rels.append((shown, rel.replace(os.sep, "/")))

    # a name is the relative path without extension; inputs sharing one keep their extension.
    # Names compare as the store writes them (sanitized, case-folded), computed once per name.
    def norm(name: str) -> str:
        return sanitize_key(name).casefold()

    stems = [_stem(rel) for _, rel in rels]
    normed = [norm(stem) for stem in stems]
    counts = Counter(normed)
    tasks: list[Task] = []
    used: set[str] = set()
    for (shown, rel), stem, key in zip(rels, stems, normed, strict=True):
        if counts[key] == 1 and key not in used:  # the common case: a unique stem
            used.add(key)
            tasks.append(Task(source=shown, name=stem))
            continue
        name = stem if counts[key] == 1 else _with_ext(rel)
        candidate, n = name, 2
        while norm(candidate) in used:
            candidate, n = f"{name}-{n}", n + 1
        used.add(norm(candidate))
        tasks.append(Task(source=shown, name=candidate))
    return tasks, failures


def _stem(rel: str) -> str:
    head, _, tail = rel.rpartition("/")
    base = tail.rsplit(".", 1)[0] if "." in tail.lstrip(".") else tail
    return f"{head}/{base}" if head else base


def _with_ext(rel: str) -> str:
    stem = _stem(rel)
    ext = rel[len(stem) + 1 :]
    return f"{stem}-{ext}" if ext else stem


def _preload(tasks: list[Task], kind: str | None) -> None:
    """Import the media modules the inputs will need before workers fork, so each worker does
    not import them again."""
    kinds = {kind} if kind else {guess_from_extension(t.source) for t in tasks[:2000]}
    if "array" in kinds:
        kinds |= {"image", "video"}
    for k in kinds:
        if k in CLI_TYPES and CLI_TYPES[k] in _registry.TYPES and k != "table":
            with contextlib.suppress(Exception):  # reported per input later
                _registry.media_class(CLI_TYPES[k])
                schemas.prepare(CLI_TYPES[k])  # the validator every save() uses
    if kinds & {"image", "array"}:
        import PIL.Image

        PIL.Image.preinit()  # the common format plugins, imported on the first open otherwise


def split_chunks(tasks: list[Task], jobs: int, largest: int = 32) -> list[list[Task]]:
    """Guided scheduling: chunks of up to ``largest`` inputs keep the per-chunk overhead (pickling,
    queue round trips) negligible; each chunk is at most 1/4 of the work left per worker, so the
    chunks shrink towards the end and the workers finish together (a worker left alone with a big
    last chunk would leave the other cores idle)."""
    chunks, i = [], 0
    while i < len(tasks):
        size = max(1, min(largest, (len(tasks) - i) // (jobs * 4)))
        chunks.append(tasks[i : i + size])
        i += size
    return chunks


def _run_pool(
    tasks: list[Task], opts: Options, jobs: int, tick: Callable[[int], None]
) -> list[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    chunks = split_chunks(tasks, jobs)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    # objects alive now are never collected by the forked workers, so the collector does not
    # touch (and copy-on-write duplicate) the memory they share with this process
    gc.freeze()
    results: dict[int, list[dict[str, Any]]] = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=ctx) as pool:
        futures = {pool.submit(convert_chunk, chunk, opts): i for i, chunk in enumerate(chunks)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # a worker died (e.g. killed, or a crash in a C library)
                reason = f"worker process failed ({type(exc).__name__}: {exc})"
                results[i] = [
                    {"input": t.source, "ok": False, "error": reason, "outputs": []}
                    for t in chunks[i]
                ]
            tick(len(chunks[i]))
    return [r for i in range(len(chunks)) for r in results[i]]


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs expects a positive number; got {args.jobs}")
    if args.sample_rate is not None and args.sample_rate <= 0:
        raise UsageError(f"--sample-rate expects a positive number; got {args.sample_rate}")
    if args.fps is not None and not args.fps > 0:
        raise UsageError(f"--fps expects a positive number; got {args.fps}")
    formats = parse_formats(args.format, args.kind)
    out = Path(args.to)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--to expects a folder; {out} is a file")
    opts = Options(
        out=str(out),
        kind=args.kind,
        formats=formats,
        fps=args.fps,
        sample_rate=args.sample_rate,
    )
    start = time.perf_counter()
    tasks, failures = collect(args.inputs, out)
    results: list[dict[str, Any]] = []
    if tasks:
        out.mkdir(parents=True, exist_ok=True)
        _preload(tasks, args.kind)
        jobs = min(args.jobs, len(tasks))
        with progress_bar(len(tasks), "converting") as tick:
            if jobs == 1 or len(tasks) < MIN_POOL_TASKS:
                results = convert_chunk(tasks, opts, tick)
            else:
                results = _run_pool(tasks, opts, jobs, tick)
    results = failures + results
    elapsed = time.perf_counter() - start
    failed = [r for r in results if not r["ok"]]
    written = sum(len(r["outputs"]) for r in results)
    if args.json:
        emit_json(
            {
                "ok": not failed and bool(results),
                "out": str(out),
                "inputs": len(results),
                "manifests": written,
                "failed": len(failed),
                "seconds": round(elapsed, 4),
                "results": results,
            }
        )
    else:
        for r in failed:
            print(f"error: {r['input']}: {r['error']}", file=sys.stderr)
        print(
            f"converted {len(results) - len(failed)} of {len(results)} inputs into {out} "
            f"({written} manifests, {len(failed)} failed, {elapsed:.2f} s)"
        )
    return 1 if failed or not results else 0
