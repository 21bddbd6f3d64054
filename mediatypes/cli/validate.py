"""``mediatypes validate PATH…``: manifests, folders of manifests and whole run directories.

A run directory (a folder with ``run.json`` or a history) is checked file by file: the run
metadata, every history row (and every media manifest inside it), the summary, and each file a
manifest references (present, inside the run, same size, same sha256). Every problem is reported
with its file, line (history rows) and JSON path; nothing stops at the first problem. A URL
(``s3://bucket/prefix/run``) is read through fsspec: one run, or every run below a prefix.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import _json, schemas
from ..core.media import MANIFEST_SUFFIX, file_refs
from ..errors import MediaError
from ..runs.files import RunFiles, history_sources, is_url, run_files
from ._output import emit_json, wrap
from ._storage import add_storage_option, storage_options

__all__ = ["Problem", "check_manifest", "check_manifest_file", "check_path", "check_run"]

RUN_MARKERS = ("run.json", "history.jsonl")
# run-file schemas, by the names the run layer may give them (checked only when shipped)
RUN_SCHEMAS = {
    "run.json": ("run", "run-metadata", "run-meta"),
    "history.jsonl": ("history-row",),
    "summary.json": ("summary", "run-summary"),
}

EPILOG = """examples:
  mediatypes validate out/                  # every *.manifest.json below out/
  mediatypes validate runs/2024-demo        # a whole run directory
  mediatypes validate a.manifest.json --json
  mediatypes validate s3://bucket/runs --storage-option endpoint_url=http://127.0.0.1:9000

exit code 1 when any problem is found."""


@dataclass
class Problem:
    file: str
    path: str  # JSON path inside the file ("$" for the whole file)
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="validate manifests, folders and run directories",
        description=wrap(
            "Validate manifest JSON files, every *.manifest.json below a folder, or whole "
            "run directories (run metadata, every history row and the media manifests in it, the "
            "summary) against their schemas, and check each referenced file's size and sha256."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    add_storage_option(p)
    p.set_defaults(func=run)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def join_path(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if _IDENT.match(key) else f"{base}[{key!r}]"


def _split(problem: str) -> tuple[str, str]:
    path, sep, message = problem.partition(": ")
    return (path, message) if sep and path.startswith("$") else ("$", problem)


def _rebase(problem: str, prefix: str) -> tuple[str, str]:
    path, message = _split(problem)
    return prefix + path[1:], message


def check_refs(manifest: Any, root: Path | RunFiles) -> list[tuple[str, str]]:
    """(JSON path, message) for each referenced file that is missing, outside ``root`` or changed."""
    return _check_ref_list(_refs_with_paths(manifest, "$"), root)


def _check_ref_list(
    refs: list[tuple[str, dict[str, Any]]], root: Path | RunFiles
) -> list[tuple[str, str]]:
    files = run_files(root)
    found: list[tuple[str, str]] = []
    for jpath, ref in refs:
        rel = ref["path"]
        try:
            stat = files.sha256(rel)
        except MediaError as exc:
            found.append((f"{jpath}.path", str(exc)))
            continue
        if stat is None:
            found.append((f"{jpath}.path", f"referenced file {rel} is missing"))
            continue
        digest, size = stat
        if rel.endswith(".table.json") and digest == ref.get("sha256"):
            found += _check_table_cells(files, rel, jpath)
        if size != ref.get("size"):
            found.append(
                (f"{jpath}.size", f"{rel} has {size} bytes; the manifest says {ref.get('size')}")
            )
        if digest != ref.get("sha256"):
            found.append(
                (f"{jpath}.sha256", f"{rel} sha256 mismatch (the file changed or is corrupt)")
            )
    return found


def _check_table_cells(files: RunFiles, rel: str, jpath: str) -> list[tuple[str, str]]:
    """Media cells of a ``.table.json`` are manifests with files of their own: check those too."""
    name = rel.rsplit("/", 1)[-1]
    try:
        table = _json.loads(files.read_bytes(rel))
    except (OSError, MediaError, _json.JSONDecodeError) as exc:
        return [(f"{jpath}.path", f"{name} is not valid JSON ({exc})")]
    found: list[tuple[str, str]] = []
    rows = table.get("data") if isinstance(table, dict) else None
    for i, row in enumerate(rows if isinstance(rows, list) else []):
        for j, cell in enumerate(row if isinstance(row, list) else []):
            if isinstance(cell, dict) and "_type" in cell:
                where = f"{jpath}<{name}>.data[{i}][{j}]"
                found += [(where + p[1:], m) for p, m in check_manifest(cell, files)]
    return found


def _refs_with_paths(
    value: Any, jpath: str, skip_manifests: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, dict):
        if skip_manifests and "_type" in value:
            return out
        if isinstance(value.get("path"), str) and "sha256" in value:
            out.append((jpath, value))
        for k, v in value.items():
            if k != "path":
                out.extend(_refs_with_paths(v, join_path(jpath, str(k)), skip_manifests))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_refs_with_paths(v, join_path(jpath, i), skip_manifests))
    return out


def check_manifest(
    manifest: Any, root: Path | RunFiles, prefix: str = "$"
) -> list[tuple[str, str]]:
    """(JSON path, message) problems of one manifest: schema and referenced files."""
    found = [_rebase(p, prefix) for p in schemas.problems(manifest)]
    found += [(prefix + jp[1:], msg) for jp, msg in check_refs(manifest, root)]
    return found


def manifest_root(path: Path, manifest: Any) -> Path:
    """The folder a standalone manifest's paths are relative to.

    ``save(dir, "a/b")`` writes ``dir/a/b.manifest.json`` whose files are ``a/b_<hash>.png``
    relative to ``dir``: step up one folder per leading component the file paths share.
    """
    parent = path.parent
    refs = file_refs(manifest)
    if not refs:
        return parent
    folder = PurePosixPath(str(refs[0]["path"])).parent.parts
    if folder and parent.parts[-len(folder) :] == folder:
        return Path(*parent.parts[: -len(folder)]) if len(parent.parts) > len(folder) else Path()
    return parent


def check_manifest_file(path: Path, root: Path | None = None) -> list[Problem]:
    """Problems of one ``*.manifest.json`` file."""
    try:
        manifest = _json.loads(path.read_bytes())
    except (OSError, _json.JSONDecodeError) as exc:
        return [Problem(str(path), "$", f"cannot read JSON ({exc})")]
    where = manifest_root(path, manifest) if root is None else root
    return [Problem(str(path), jp, msg) for jp, msg in check_manifest(manifest, where)]


def _schema_for(filename: str) -> str | None:
    names = set(schemas.names())
    return next((n for n in RUN_SCHEMAS[filename] if n in names), None)


def _check_values(obj: Any, root: Path | RunFiles, file: str, line: int | None) -> list[Problem]:
    """Problems of the media manifests (dicts with ``_type``) inside a row or summary."""
    found: list[Problem] = []
    if not isinstance(obj, dict):
        return found
    for key, value in obj.items():
        jp = join_path("$", str(key))
        for sub_path, manifest in _manifests_in(value, jp):
            found += [
                Problem(file, p, m, line) for p, m in check_manifest(manifest, root, sub_path)
            ]
        # files referenced outside media manifests (e.g. a summary tensor's ``_tensor`` .npy)
        loose = _refs_with_paths(value, jp, skip_manifests=True)
        found += [Problem(file, p, m, line) for p, m in _check_ref_list(loose, root)]
    return found


def _manifests_in(value: Any, jpath: str) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if "_type" in value:
            return [(jpath, value)]
        return [m for k, v in value.items() for m in _manifests_in(v, join_path(jpath, str(k)))]
    if isinstance(value, list):
        return [m for i, v in enumerate(value) for m in _manifests_in(v, join_path(jpath, i))]
    return []


def _read_json(files: RunFiles, rel: str) -> tuple[Any, Problem | None]:
    try:
        data = files.read(rel)
    except (OSError, MediaError) as exc:
        return None, Problem(files.where(rel), "$", f"cannot read ({exc})")
    if data is None:
        return None, Problem(files.where(rel), "$", "cannot read (missing)")
    try:
        return _json.loads(data), None
    except _json.JSONDecodeError as exc:
        return None, Problem(files.where(rel), "$", f"not valid JSON ({exc})")


def _check_object(obj: Any, schema_name: str | None, file: str, line: int | None) -> list[Problem]:
    if schema_name is None:
        if not isinstance(obj, dict):
            return [Problem(file, "$", f"expected a JSON object; got {type(obj).__name__}", line)]
        return []
    return [Problem(file, *_split(p), line) for p in schemas.problems(obj, schema_name)]


def check_run(run_dir: Path | RunFiles) -> tuple[list[Problem], dict[str, int]]:
    """Problems of a whole run (a folder or a URL), and counts of what was checked."""
    files = run_files(run_dir)
    found: list[Problem] = []
    counts = {"rows": 0, "media": 0, "manifest_files": 0}
    meta: Any = None
    if files.exists("run.json"):
        meta, err = _read_json(files, "run.json")
        found += (
            [err]
            if err
            else _check_object(meta, _schema_for("run.json"), files.where("run.json"), None)
        )
    else:
        found.append(Problem(files.where("run.json"), "$", "run metadata file is missing"))
    sources = history_sources(files)
    if not sources:
        found.append(Problem(files.where("history.jsonl"), "$", "history file is missing"))
    for rank, rels in sources:
        for rel, source in files.sources(rels):  # on object storage: a few fetched at once
            data = (files.read(rel) or b"") if isinstance(source, Path) else source
            found += _check_history(files, rel, data, rank, counts)
    ranks = [rank for rank, _ in sources if rank is not None]
    if len(ranks) > 1 or _shared(meta):  # several processes logged into it (group="shared")
        counts["ranks"] = len(ranks)
        found += _check_ranks(files, ranks, meta)
    for rel in files.listing("ranks"):
        state, err = _read_json(files, rel)
        found += [err] if err else _check_object(state, "run-rank", files.where(rel), None)
    if files.exists("summary.json"):
        summary, err = _read_json(files, "summary.json")
        where = files.where("summary.json")
        if err:
            found.append(err)
        else:
            found += _check_object(summary, _schema_for("summary.json"), where, None)
            found += _check_values(summary, files, where, None)
            counts["media"] += _count_media(summary)
    if files.local is not None:  # standalone manifests saved inside a run folder
        for f in sorted(files.local.rglob("*" + MANIFEST_SUFFIX)):
            counts["manifest_files"] += 1
            found += check_manifest_file(f)
    return found, counts


def _shared(meta: Any) -> bool:
    group = meta.get("group") if isinstance(meta, dict) else None
    return isinstance(group, dict) and group.get("mode") == "shared"


def _check_ranks(files: RunFiles, ranks: list[int], meta: Any) -> list[Problem]:
    """Each rank's history belongs to a rank of the group in ``run.json``, and has its state.
    (A run of one process on object storage also keeps its rows as rank 0's segments.)"""
    found: list[Problem] = []
    group = meta.get("group") if isinstance(meta, dict) else None
    world = group.get("world_size") if isinstance(group, dict) else None
    where = files.where("run.json")
    if not _shared(meta):
        found.append(
            Problem(where, "$.group", f"histories of ranks {ranks} but no group 'shared' here")
        )
    elif isinstance(world, int) and ranks[-1] >= world:
        found.append(
            Problem(where, "$.group.world_size", f"{world}, but there is a history of rank "
                    f"{ranks[-1]}")
        )  # fmt: skip
    for rank in ranks:
        if not files.exists(f"ranks/{rank}.json"):
            found.append(Problem(files.where(f"ranks/{rank}.json"), "$", "rank state is missing"))
    return found


def _count_media(obj: Any) -> int:
    return sum(len(_manifests_in(v, "$")) for v in obj.values()) if isinstance(obj, dict) else 0


def _check_history(
    files: RunFiles, rel: str, data: bytes, rank: int | None, counts: dict[str, int]
) -> list[Problem]:
    found: list[Problem] = []
    lines = data.split(b"\n")
    complete = data.endswith(b"\n") or not data
    schema_name = _schema_for("history.jsonl")
    file = files.where(rel)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines)
        try:
            row = _json.loads(raw)
        except _json.JSONDecodeError as exc:
            if last and not complete:
                msg = (
                    "partial last line (the run stopped while writing it); "
                    "`mediatypes recover` repairs the run"
                )
            else:
                msg = f"not valid JSON ({exc})"
            found.append(Problem(file, "$", msg, number))
            continue
        counts["rows"] += 1
        counts["media"] += _count_media(row)
        found += _check_object(row, schema_name, file, number)
        if rank is not None and isinstance(row, dict) and row.get("_rank", rank) != rank:
            found.append(
                Problem(file, "$._rank", f"{row['_rank']!r} in the history of rank {rank}", number)
            )
        found += _check_values(row, files, file, number)
    return found


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (
        any((path / m).is_file() for m in RUN_MARKERS) or (path / "history").is_dir()
    )


def is_run(files: RunFiles) -> bool:
    """True when ``files`` holds a run (its run.json or some history)."""
    return files.exists("run.json") or bool(history_sources(files))


def check_url(
    url: str, options: dict[str, Any] | None = None
) -> tuple[list[Problem], dict[str, int]]:
    """Problems of a run at a URL, or of every run below a URL prefix (``options``: fsspec's)."""
    files = run_files(url, options)
    if is_run(files):
        run_found, run_counts = check_run(files)
        return run_found, {"runs": 1, **run_counts}
    runs = sorted({rel.rsplit("/", 1)[0] for rel in files.listing() if rel.endswith("/run.json")})
    if not runs:
        return [Problem(url, "$", "no run (run.json or history) found at this URL")], {}
    found: list[Problem] = []
    counts = {"runs": 0, "rows": 0, "media": 0, "manifest_files": 0}
    for rel in runs:
        run_found, run_counts = check_run(run_files(f"{url.rstrip('/')}/{rel}", options))
        found += run_found
        counts["runs"] += 1
        for k, v in run_counts.items():
            counts[k] = counts.get(k, 0) + v
    return found, counts


def check_path(
    path: Path | str, options: dict[str, Any] | None = None
) -> tuple[list[Problem], dict[str, int]]:
    """Problems of one command-line PATH (manifest file, folder of manifests, run dir, or the URL
    of a run or of a prefix holding runs; ``options``: fsspec's, for URLs)."""
    if isinstance(path, str):
        if is_url(path) and not path.startswith("file://"):
            return check_url(path, options)
        path = Path(path[len("file://") :] if path.startswith("file://") else path)
    if is_run_dir(path):
        run_found, run_counts = check_run(path)
        return run_found, {"runs": 1, **run_counts}
    if path.is_dir():
        runs = sorted(
            p.parent if p.name in RUN_MARKERS else p.parent.parent
            for m in (*RUN_MARKERS, "history/*.jsonl")
            for p in path.rglob(m)
        )
        found: list[Problem] = []
        counts = {"runs": 0, "rows": 0, "media": 0, "manifest_files": 0}
        for run_dir in dict.fromkeys(runs):
            run_found, run_counts = check_run(run_dir)
            found += run_found
            counts["runs"] += 1
            for k, v in run_counts.items():
                counts[k] = counts.get(k, 0) + v
        inside_runs = set(dict.fromkeys(runs))
        files = [
            f
            for f in sorted(path.rglob("*" + MANIFEST_SUFFIX))
            if not any(r in f.parents for r in inside_runs)
        ]
        for f in files:
            found += check_manifest_file(f)
        counts["manifest_files"] += len(files)
        if not files and not runs:
            found.append(Problem(str(path), "$", "no manifests or run directories found"))
        return found, counts
    if path.is_file():
        if path.name in RUN_MARKERS:
            return check_path(path.parent)
        return check_manifest_file(path), {"manifest_files": 1}
    return [Problem(str(path), "$", "no such file or folder")], {}


def run(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    totals: dict[str, int] = {}
    for raw in args.paths:
        found, counts = check_path(raw, storage_options(args))
        problems += found
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
    if args.json:
        emit_json(
            {
                "ok": not problems,
                "checked": totals,
                "problems": [asdict(p) for p in problems],
            }
        )
    else:
        for p in problems:
            print(p)
        what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in totals.items() if v) or "nothing"
        verdict = "ok" if not problems else f"{len(problems)} problem(s)"
        print(f"checked {what}: {verdict}")
    return 1 if problems else 0
