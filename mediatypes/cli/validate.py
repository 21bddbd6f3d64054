"""``mediatypes validate PATH…``: check manifests (and the files they reference) against schemas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import _json, schemas
from ..core.media import MANIFEST_SUFFIX, file_refs
from ..core.store import file_sha256, safe_relpath
from ..errors import MediaError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="validate manifests and the files they reference",
        description="Validate manifest JSON files (or every *.manifest.json below a folder) against "
        "their schemas and check each referenced file's size and sha256.",
        epilog="example: mediatypes validate out/",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print problems as JSON")
    p.set_defaults(func=run)


def check_manifest_file(path: Path, root: Path) -> list[str]:
    """Problems of one manifest file: JSON, schema, and each referenced file's existence/size/hash."""
    try:
        manifest = _json.loads(path.read_bytes())
    except (OSError, _json.JSONDecodeError) as exc:
        return [f"$: cannot read JSON ({exc})"]
    found = schemas.problems(manifest)
    for ref in file_refs(manifest):
        try:
            target = safe_relpath(root, ref["path"])
        except MediaError as exc:
            found.append(f"$: {exc}")
            continue
        if not target.is_file():
            found.append(f"$: referenced file {ref['path']} is missing")
            continue
        digest, size = file_sha256(target)
        if size != ref.get("size"):
            found.append(f"$: {ref['path']} has {size} bytes, manifest says {ref.get('size')}")
        if digest != ref.get("sha256"):
            found.append(f"$: {ref['path']} sha256 mismatch (file changed or corrupt)")
    return found


def run(args: argparse.Namespace) -> int:
    report: dict[str, list[str]] = {}
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.rglob("*" + MANIFEST_SUFFIX))
            if not files:
                report[str(path)] = ["no manifests found"]
            for f in files:
                report[str(f)] = check_manifest_file(f, f.parent)
        elif path.is_file():
            report[str(path)] = check_manifest_file(path, path.parent)
        else:
            report[str(path)] = ["no such file or folder"]
    bad = {k: v for k, v in report.items() if v}
    if args.json:
        sys.stdout.write(
            _json.dumps(
                {"ok": not bad, "checked": len(report), "problems": bad}, indent=True
            ).decode()
            + "\n"
        )
    else:
        for name, items in bad.items():
            for item in items:
                print(f"{name}: {item}")
        print(f"{len(report)} checked, {len(bad)} with problems")
    return 1 if bad else 0
