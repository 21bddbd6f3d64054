"""``--storage-option KEY=VALUE``: fsspec options for the commands that read runs at URLs."""

from __future__ import annotations

import argparse
from typing import Any

from .. import _json

__all__ = ["add_storage_option", "storage_options"]

HELP = (
    "an fsspec option for s3:// (or other) URLs, repeatable, e.g. "
    "endpoint_url=http://127.0.0.1:9000 or 'config_kwargs={\"connect_timeout\": 5}'; VALUE is "
    "read as JSON when it parses (5, true, {...}), else as text. Without it, the environment "
    "(AWS_ENDPOINT_URL, AWS_PROFILE, AWS_ACCESS_KEY_ID...) and fsspec's config apply"
)


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"expects KEY=VALUE (e.g. endpoint_url=http://127.0.0.1:9000); got {text!r}"
        )
    try:
        return key.strip(), _json.loads(value)
    except _json.JSONDecodeError:
        return key.strip(), value


def add_storage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--storage-option",
        dest="storage_options",
        action="append",
        type=_option,
        default=[],
        metavar="KEY=VALUE",
        help=HELP,
    )


def storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``--storage-option`` pairs as a dict (the last one wins), or None when none given."""
    return dict(getattr(args, "storage_options", None) or []) or None
