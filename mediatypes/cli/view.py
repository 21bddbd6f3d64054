"""``mediatypes view RUN_DIR [-o OUT.html | --serve [--port N]]``: write the offline viewer of a
run (or of a folder of runs) and print how to open it; ``--serve`` also serves it on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys

from ._output import UsageError, emit_json, wrap
from ._storage import add_storage_option, storage_options

EPILOG = """examples:
  mediatypes view runs/20260101-120000-abcdef      # writes runs/<id>/view/index.html
  mediatypes view runs/                            # every run: runs/view/index.html
  mediatypes view runs/<id> -o /tmp/run.html       # write the page elsewhere
  mediatypes view runs/<id> --serve --port 8000    # and serve it on 127.0.0.1 (Ctrl-C stops)
  mediatypes view s3://bucket/team/run-7 -o run-7/index.html   # media copied beside the page
  mediatypes view s3://bucket/team/ -o team/index.html         # every run below the prefix"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "view",
        help="write an offline HTML viewer for a run or a folder of runs (optionally serve it)",
        description=wrap(
            "Write a self-contained, offline viewer (charts of every scalar, media with a step "
            "slider, tables, logged charts, 3-D, several runs overlaid) for RUN_DIR, by default "
            "into RUN_DIR/view/index.html. The page makes no network request; open it in a "
            "browser from disk, or pass --serve to serve it on 127.0.0.1."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "run_dir",
        metavar="RUN_DIR",
        help="a run folder or URL (s3://bucket/run), or a folder or URL prefix holding runs",
    )
    p.add_argument(
        "-o",
        "--out",
        metavar="OUT.html",
        help="the page to write (default RUN_DIR/view/index.html; required for a URL)",
    )
    p.add_argument(
        "--serve", action="store_true", help="serve the viewer on 127.0.0.1 until Ctrl-C"
    )
    p.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    add_storage_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..view import build, make_server

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port expects 0..65535; got {args.port}")
    if args.port and not args.serve:
        raise UsageError("--port is only used with --serve")
    result = build(args.run_dir, args.out, storage_options=storage_options(args))
    for w in result.warnings:
        print(f"mediatypes view: note: {w}", file=sys.stderr)
    report = {
        "index": str(result.index),
        "pages": [str(p) for p in result.pages],
        "runs": result.runs,
        "seconds": round(result.seconds, 3),
    }
    server = None
    if args.serve:
        server = make_server(result.index, [result.index.parent, *result.run_dirs], args.port)
        report["url"] = server.url
    if args.json:
        emit_json(report)
    else:
        what = f"{result.runs} runs" if result.runs > 1 else "the run"
        print(f"wrote the viewer of {what} in {result.seconds:.2f} s: {result.index}")
        if server is None:
            again = f"mediatypes view {args.run_dir}" + (f" -o {args.out}" if args.out else "")
            print(f"open it: {result.index.as_uri()}  (or: {again} --serve)")
    if server is not None:
        print(f"serving on {server.url}  (127.0.0.1 only; Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        finally:
            server.server_close()
    return 0
