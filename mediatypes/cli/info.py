"""``mediatypes info PATH``: what a manifest, a folder of manifests or a run directory holds."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from .. import _json
from ..core.media import MANIFEST_SUFFIX, file_refs
from ..errors import InvalidInputError
from ..runs.files import RunFiles, history_sources, is_url, run_files
from ._output import emit_json, wrap
from ._storage import add_storage_option, storage_options
from .validate import _manifests_in, is_run, is_run_dir

EPILOG = """examples:
  mediatypes info out/cat.manifest.json
  mediatypes info runs/2024-demo --json
  mediatypes info s3://bucket/team/run-7
  mediatypes info s3://bucket/run --storage-option endpoint_url=http://127.0.0.1:9000"""

# manifest fields worth a mention, in display order
_FIELDS = (
    "format", "width", "height", "mode", "frames", "fps", "duration", "codec", "sample_rate",
    "channels", "num_points", "nrows", "ncols", "caption",
)  # fmt: skip


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "info",
        help="describe a manifest or a run (folder or URL)",
        description=wrap(
            "Describe what a manifest (or a folder of manifests) or a run directory holds: "
            "type, size and key fields of each media; the config, summary, history keys and media "
            "of a run."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the description as JSON on stdout")
    add_storage_option(p)
    p.set_defaults(func=run)


def describe_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"_type": manifest.get("_type")}
    if manifest.get("_type") == "media-list":
        out["count"] = manifest.get("count")
        out["item_type"] = manifest.get("item_type")
    for key in _FIELDS:
        if manifest.get(key) is not None:
            out[key] = manifest[key]
    refs = file_refs(manifest)
    if refs:
        out["files"] = len(refs)
        out["bytes"] = sum(int(r.get("size") or 0) for r in refs)
        if isinstance(manifest.get("path"), str):
            out["path"] = manifest["path"]
    return out


def _load(path: Path) -> Any:
    try:
        return _json.loads(path.read_bytes())
    except (OSError, _json.JSONDecodeError) as exc:
        raise InvalidInputError(f"info: cannot read {path} ({exc})") from exc


def _load_rel(files: RunFiles, rel: str) -> Any:
    try:
        data = files.read(rel)
        return {} if data is None else _json.loads(data)
    except (OSError, _json.JSONDecodeError) as exc:
        raise InvalidInputError(f"info: cannot read {files.where(rel)} ({exc})") from exc


def describe_run(run_dir: Path | RunFiles) -> dict[str, Any]:
    """What a run (folder or URL) holds: metadata, config, history keys, media, summary, files."""
    files = run_files(run_dir)
    meta = _load_rel(files, "run.json")
    summary = _load_rel(files, "summary.json")
    rows, partial, steps = 0, False, []
    keys: Counter[str] = Counter()
    media: Counter[str] = Counter()
    rank_rows: Counter[int] = Counter()
    for rank, rels in history_sources(files):
        for rel, source in files.sources(rels):  # on object storage: a few fetched at once
            data = (files.read(rel) or b"") if isinstance(source, Path) else source
            for line in data.splitlines():
                if not line.strip():
                    continue
                try:
                    row = _json.loads(line)
                except _json.JSONDecodeError:
                    partial = True
                    continue
                rows += 1
                if rank is not None:
                    rank_rows[rank] += 1
                if isinstance(row, dict):
                    steps.append(row.get("_step"))
                    for k, v in row.items():
                        if not k.startswith("_"):
                            keys[k] += 1
                        for _, m in _manifests_in(v, "$"):
                            media[str(m.get("_type"))] += 1
    sizes = files.sizes()
    numeric_steps = [s for s in steps if isinstance(s, int)]
    out = {
        "run_dir": files.where(),
        "run": {k: v for k, v in meta.items() if k != "config"} if isinstance(meta, dict) else meta,
        "config": meta.get("config") if isinstance(meta, dict) else None,
        "rows": rows,
        "steps": [min(numeric_steps), max(numeric_steps)] if numeric_steps else None,
        "partial_last_line": partial,
        "history_keys": dict(sorted(keys.items())),
        "media": dict(sorted(media.items())),
        "summary": summary,
        "files": len(sizes),
        "bytes": sum(sizes.values()),
    }
    if rank_rows:
        out["rank_rows"] = {str(r): n for r, n in sorted(rank_rows.items())}
    group = meta.get("group") if isinstance(meta, dict) else None
    if len(rank_rows) > 1 or (isinstance(group, dict) and group.get("mode") == "shared"):
        out["ranks"] = _ranks(files, meta, rank_rows)
    return out


def _ranks(files: RunFiles, meta: Any, rank_rows: Counter[int]) -> dict[str, Any]:
    """The ranks of a run several processes logged into: the group, and each rank's state."""
    group = meta.get("group") if isinstance(meta, dict) else None
    group = group if isinstance(group, dict) else {}
    world = group.get("world_size")
    numbers = set(rank_rows) | set(range(world if isinstance(world, int) else 0))
    states: dict[str, Any] = {}
    for r in sorted(numbers):
        state = _load_rel(files, f"ranks/{r}.json")
        states[str(r)] = {
            "state": state.get("state") if isinstance(state, dict) else None,
            "rows": rank_rows.get(r, 0),
            **{k: state.get(k) for k in ("host", "pid", "exit_code") if isinstance(state, dict)},
        }
    return {
        "world_size": world,
        "finished_ranks": group.get("finished_ranks"),
        "missing_ranks": group.get("missing_ranks"),
        "states": states,
    }


def _short(value: Any, width: int = 70) -> str:
    text = value if isinstance(value, str) else _json.dumps(value).decode()
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_run(d: dict[str, Any]) -> None:
    print(f"run directory {d['run_dir']}: {d['files']} files, {d['bytes']:,} bytes")
    for k, v in sorted((d["run"] or {}).items()):
        if k == "group" and d.get("ranks"):
            continue  # shown under "ranks" below
        print(f"  {k}: {_short(v)}")
    if d["config"]:
        print("config:")
        for k, v in sorted(d["config"].items()):
            print(f"  {k}: {_short(v)}")
    steps = f" (steps {d['steps'][0]}..{d['steps'][1]})" if d["steps"] else ""
    partial = (
        "; the last line is partial (try `mediatypes recover`)" if d["partial_last_line"] else ""
    )
    print(f"history: {d['rows']} rows{steps}{partial}")
    for k, n in d["history_keys"].items():
        print(f"  {k}: in {n} rows")
    if d["media"]:
        print("media: " + ", ".join(f"{n} {t}" for t, n in d["media"].items()))
    if d.get("ranks"):
        g = d["ranks"]
        missing = g["missing_ranks"]
        print(
            f"ranks: {len(g['states'])} processes logged into this run (group 'shared', world "
            f"size {g['world_size']})" + (f"; rank 0 did not wait for {missing}" if missing else "")
        )
        for r, st in g["states"].items():
            where = f", host {st['host']} pid {st['pid']}" if st.get("host") else ""
            code = f" (exit {st['exit_code']})" if st.get("exit_code") not in (None, 0) else ""
            print(f"  rank {r}: {st['state'] or 'no state file'}{code}, {st['rows']} rows{where}")
    if d["summary"]:
        print("summary:")
        for k, v in sorted(d["summary"].items()):
            if isinstance(v, dict) and "_type" in v:
                v = f"<{v['_type']}>"
            print(f"  {k}: {_short(v)}")


def _print_manifest(name: str, d: dict[str, Any]) -> None:
    fields = ", ".join(f"{k}={_short(v, 40)}" for k, v in d.items() if k not in ("_type", "path"))
    print(f"{name}: {d['_type']}" + (f" ({fields})" if fields else ""))


def run(args: argparse.Namespace) -> int:
    raw: str = args.path
    result: dict[str, Any]
    if is_url(raw) and not raw.startswith("file://"):
        remote = run_files(raw, storage_options(args))
        if not is_run(remote):
            raise InvalidInputError(f"info: no run (run.json or history) at {raw}")
        result = describe_run(remote)
        if args.json:
            emit_json(result)
        else:
            _print_run(result)
        return 0
    path = Path(raw[len("file://") :] if raw.startswith("file://") else raw)
    if is_run_dir(path):
        result = describe_run(path)
        if args.json:
            emit_json(result)
        else:
            _print_run(result)
        return 0
    if path.is_dir():
        files = sorted(path.rglob("*" + MANIFEST_SUFFIX))
        if not files:
            raise InvalidInputError(f"info: no manifests or run directory in {path}")
        result = {str(f.relative_to(path)): describe_manifest(_load(f)) for f in files}
    elif path.is_file():
        result = {str(path): describe_manifest(_load(path))}
    else:
        raise InvalidInputError(f"info: no such file or folder: {path}")
    if args.json:
        emit_json(result)
    else:
        for name, d in result.items():
            _print_manifest(name, d)
    return 0
