"""``mediatypes recover RUN_DIR``: rebuild what a crashed run did not finish (run layer's reader)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ._output import emit_json, wrap
from ._storage import add_storage_option, storage_options

EPILOG = """examples:
  mediatypes recover runs/2024-demo     # then: mediatypes validate runs/2024-demo
  mediatypes recover s3://bucket/team/run-7   # on object storage: writes summary and state only
  mediatypes recover s3://bucket/run --storage-option endpoint_url=http://127.0.0.1:9000"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "recover",
        help="repair a run directory left behind by a crash",
        description=wrap(
            "Rebuild what a crashed or killed run did not finish: drop a partial last "
            "history line, rebuild the summary from the history and mark the run as crashed."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--json", action="store_true", help="print the recovery report as JSON")
    add_storage_option(p)
    p.set_defaults(func=run)


def _recover_fn() -> Any:
    try:
        return importlib.import_module("mediatypes.runs.reader").recover
    except (ImportError, AttributeError):
        return None


def run(args: argparse.Namespace) -> int:
    from ..runs.files import is_url, run_files
    from .validate import is_run, is_run_dir

    raw: str = args.run_dir
    path: Any
    if is_url(raw) and not raw.startswith("file://"):
        path = run_files(raw, storage_options(args))
        ok = is_run(path)
    else:
        path = Path(raw[len("file://") :] if raw.startswith("file://") else raw)
        ok = is_run_dir(path)
    if not ok:
        raise InvalidInputError(
            f"recover: `RUN_DIR` expects a run directory or URL (with run.json or a history); "
            f"got {raw!r}."
        )
    recover = _recover_fn()
    if recover is None:
        raise InvalidInputError("recover: the run layer is not available in this installation.")
    report = recover(path)
    data = report if isinstance(report, dict) else {"result": repr(report)}
    if args.json:
        emit_json({"run_dir": raw, **data})
    else:
        details = ", ".join(f"{k}: {v}" for k, v in data.items()) if data else "nothing to do"
        print(f"recovered {raw} ({details})")
    return 0
