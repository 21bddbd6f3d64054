"""``mediatypes export tensorboard RUN_DIR… OUT_LOGDIR``: runs as TensorBoard event files."""

from __future__ import annotations

import argparse

from ._output import emit_json, progress_bar, wrap
from ._storage import add_storage_option, storage_options

EPILOG = """examples:
  mediatypes export tensorboard runs/2024-demo tb        # then: tensorboard --logdir tb
  mediatypes export tensorboard runs/* tb --overwrite
  mediatypes export tensorboard s3://bucket/team/run-7 tb   # a run on object storage

Each run becomes OUT_LOGDIR/<run id>/events.out.tfevents.*: scalars, images (masks as extra
images, boxes as overlays), audio (WAV), histograms (the exact bins), tables and text, PR
curves, point clouds and meshes, config as hparams, videos as GIFs, charts as PNG plus their
spec. Values without a TensorBoard form (Html, Molecule, Plotly) are skipped with a warning.
A run several processes logged into (group="shared") becomes one TensorBoard run per rank:
OUT_LOGDIR/<run id>/rank-<r>/.
Needs: pip install 'mediatypes[tensorboard]'"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write runs in another tool's format (TensorBoard)",
        description=wrap(
            "Write run directories as TensorBoard event files, without TensorFlow. Each run is "
            "read through the run reader and written as one event file per run, under a "
            "temporary name until it is complete."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", choices=["tensorboard"], help="the format to write")
    p.add_argument(
        "run_dirs", nargs="+", metavar="RUN_DIR", help="run folders or URLs (s3://bucket/run)"
    )
    p.add_argument("out_logdir", metavar="OUT_LOGDIR")
    p.add_argument(
        "--overwrite", action="store_true", help="replace event files a previous export left"
    )
    p.add_argument("--json", action="store_true", help="print the export report as JSON")
    add_storage_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..tensorboard.export import export_run

    reports = []
    for run_dir in args.run_dirs:
        with progress_bar(None, str(run_dir), unit="row") as tick:
            report = export_run(
                run_dir,
                args.out_logdir,
                overwrite=args.overwrite,
                tick=tick,
                storage_options=storage_options(args),
            )
        reports.append(report)
        if not args.json:
            skipped = report["skipped"]
            extra = f"; skipped {', '.join(sorted(skipped))}" if skipped else ""
            target = report["event_file"]
            if "ranks" in report:  # a shared run: one TensorBoard run per rank
                target = f"{target}/rank-*/ ({len(report['ranks'])} ranks)"
            print(
                f"exported {run_dir} -> {target} ({report['rows']:,} rows, "
                f"{report['events']:,} events{extra})"
            )
    if args.json:
        emit_json(reports[0] if len(reports) == 1 else reports)
    return 0
