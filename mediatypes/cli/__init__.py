"""The ``mediatypes`` command line. Each sub-command lives in its own module with
``add_parser(subparsers)`` and ``run(args) -> int``; exit codes: 0 ok, 1 invalid input or
validation failure, 2 usage."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = ["validate"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediatypes",
        description="Convert, validate and inspect mediatypes media, manifests and run directories.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"mediatypes.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args))
