"""Transports: where a run goes. An object, or a URL-like string resolved here.

``"dir:runs/x"`` → :class:`DirectoryTransport` writing the folder ``runs/x``;
``"memory:"`` → :class:`MemoryTransport`.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import InvalidInputError, InvalidTypeError
from .base import Transport
from .directory import DirectoryTransport
from .memory import MemoryTransport

__all__ = ["DirectoryTransport", "MemoryTransport", "Transport", "resolve"]

SCHEMES = ("dir", "memory")


def resolve(spec: Any) -> Transport:
    """A transport from an object or a ``"scheme:rest"`` string.

    >>> resolve("dir:runs/exp1")
    <DirectoryTransport dir:runs/exp1>
    """
    if isinstance(spec, Transport):
        return spec
    if isinstance(spec, os.PathLike):
        return DirectoryTransport(spec)
    if not isinstance(spec, str):
        raise InvalidTypeError(
            f"init: `transport` expects a Transport object or a string like 'dir:runs/x' or "
            f"'memory:'; got {type(spec).__name__}."
        )
    scheme, sep, rest = spec.partition(":")
    if sep and scheme == "dir" and rest:
        return DirectoryTransport(rest)
    if sep and scheme == "memory" and not rest:
        return MemoryTransport()
    raise InvalidInputError(
        f"init: `transport` expects 'dir:<path>' or 'memory:'; got {spec!r}. "
        f"Known schemes: {', '.join(SCHEMES)}."
    )
