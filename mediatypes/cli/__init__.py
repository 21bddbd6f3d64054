"""The ``mediatypes`` command line. Each sub-command lives in its own module with
``add_parser(subparsers)`` and ``run(args) -> int``; exit codes: 0 ok, 1 invalid input or
validation failure, 2 usage."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ..errors import MediaError
from ._output import UsageError

# The commands parallelize with processes (convert --jobs); BLAS helper threads would only spin
# and take the cores from the workers (measured: 15 % of a 1-job conversion). Set before numpy is
# imported (nothing above imports it); an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


COMMANDS = ["convert", "validate", "info", "render", "recover", "demo", "view", "export", "import"]
# command word -> module, where the word is no valid module name
_MODULES = {"import": "import_tb"}

EPILOG = """examples:
  mediatypes convert photos/ --to out/ --jobs 2
  mediatypes validate out/ runs/my-run
  mediatypes info runs/my-run
  mediatypes render out/chart.vl.json --svg -o chart.svg
  mediatypes demo demo-out
  mediatypes view demo-out
  mediatypes export tensorboard runs/my-run tb
  mediatypes import tensorboard tb/my-run runs/imported

exit codes: 0 ok, 1 invalid input or validation failure, 2 usage error.
Run `mediatypes COMMAND --help` for the options and an example of each command."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that command's sub-parser (the other command modules, some
    of which import numpy, are not imported: start-up is part of every command's wall time)."""
    parser = argparse.ArgumentParser(
        prog="mediatypes",
        description="Convert, validate and inspect mediatypes media, manifests and run directories.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"mediatypes {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only in COMMANDS else COMMANDS:
        importlib.import_module(f"mediatypes.cli.{_MODULES.get(name, name)}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(words)  # exits with 2 on a usage error
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"mediatypes {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MediaError as exc:
        print(f"mediatypes {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mediatypes {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`mediatypes info RUN | head`): stop quietly, as Unix tools do;
        # point stdout at /dev/null so the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
