"""``mediatypes import tensorboard LOGDIR RUN_DIR``: a TensorBoard run as a run directory."""

from __future__ import annotations

import argparse

from ._output import emit_json, wrap

EPILOG = """example:
  mediatypes import tensorboard tb/my-run runs/my-run   # then: mediatypes info runs/my-run

LOGDIR is one TensorBoard run folder (the one holding events.out.tfevents.* files). Scalars,
images, audio, histograms and text come back with their steps and wall times; hparams become
the config. The new run directory is validated before the command succeeds.
Needs: pip install 'mediatypes[tensorboard]'"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help="read another tool's logs into a run directory (TensorBoard)",
        description=wrap(
            "Read the event files of a TensorBoard run folder and write a new, validated run "
            "directory (rows keep the events' steps and wall times)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", choices=["tensorboard"], help="the format to read")
    p.add_argument("logdir", metavar="LOGDIR")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..tensorboard.importer import import_logdir

    report = import_logdir(args.logdir, args.run_dir)
    if args.json:
        emit_json(report)
    else:
        skipped = report["skipped"]
        extra = f"; skipped {', '.join(sorted(skipped))}" if skipped else ""
        print(
            f"imported {args.logdir} -> {report['run_dir']} ({report['rows']:,} rows, "
            f"{report['values']:,} values{extra})"
        )
    return 0
