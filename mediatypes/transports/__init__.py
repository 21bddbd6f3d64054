"""Transports: where a run goes. An object, or a URL-like string resolved here.

``"dir:runs/x"`` → :class:`DirectoryTransport` writing the folder ``runs/x``;
``"memory:"`` → :class:`MemoryTransport`; ``"s3://bucket/prefix/run"`` (and ``gs://``, ``az://``,
``file://``…) → ``object_store.ObjectStoreTransport`` through fsspec. Other schemes are registered in :data:`SCHEMES` as lazy
``"module:factory"`` references, so a backend's dependencies are imported only when it is used.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, InvalidTypeError
from .base import Transport
from .directory import DirectoryTransport
from .memory import MemoryTransport

__all__ = [
    "SCHEMES",
    "DirectoryTransport",
    "MemoryTransport",
    "Transport",
    "TransportContext",
    "resolve",
]


@dataclass(frozen=True)
class TransportContext:
    """What ``init`` knows when it resolves a transport string: the run's id, the folder runs go to
    (``dir`` or ``$MEDIATYPES_DIR`` or ``runs``; tee transports keep the canonical run directory
    there), whether ``dir`` was passed explicitly, and ``durable``."""

    run_id: str = ""
    base_dir: Path = Path("runs")
    dir_given: bool = False
    durable: bool = False
    # the scheme of the string being resolved ("s3"), and fsspec options for URL transports
    scheme: str = ""
    storage_options: dict[str, Any] | None = None
    # the writing process's rank when several log into one run (group="shared"), else None
    rank: int | None = None


# scheme → "module:factory"; factory(rest, context) -> Transport, where rest is what follows
# "scheme:" in the string. Imported on first use.
SCHEMES: dict[str, str] = {
    "dir": "mediatypes.transports.directory:from_url",
    "memory": "mediatypes.transports.memory:from_url",
    "tensorboard": "mediatypes.transports.tensorboard:from_url",
    "mlflow": "mediatypes.transports.mlflow:from_url",
    # object storage through fsspec ("s3://bucket/prefix/run"): mediatypes[cloud]
    "s3": "mediatypes.transports.object_store:from_url",
    "s3a": "mediatypes.transports.object_store:from_url",
    "gs": "mediatypes.transports.object_store:from_url",
    "gcs": "mediatypes.transports.object_store:from_url",
    "az": "mediatypes.transports.object_store:from_url",
    "abfs": "mediatypes.transports.object_store:from_url",
    "abfss": "mediatypes.transports.object_store:from_url",
    "file": "mediatypes.transports.object_store:from_url",
}


def resolve(spec: Any, context: TransportContext | None = None) -> Transport:
    """A transport from an object or a ``"scheme:rest"`` string.

    >>> resolve("dir:runs/exp1")
    <DirectoryTransport dir:runs/exp1>
    """
    if isinstance(spec, Transport):
        return spec
    if isinstance(spec, os.PathLike):
        return DirectoryTransport(spec)
    known = ", ".join(f"'{s}:'" for s in SCHEMES)
    if not isinstance(spec, str):
        raise InvalidTypeError(
            f"init: `transport` expects a Transport object or a string such as 'dir:runs/x' or "
            f"'memory:' (schemes: {known}); got {type(spec).__name__}."
        )
    scheme, sep, rest = spec.partition(":")
    ref = SCHEMES.get(scheme) if sep else None
    if ref is None:
        raise InvalidInputError(
            f"init: `transport` expects 'scheme:...' with a known scheme ({known}); got {spec!r}."
        )
    module, _, attr = ref.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    context = replace(context or TransportContext(), scheme=scheme)
    transport: Transport = factory(rest, context)
    return transport
