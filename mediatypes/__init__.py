"""mediatypes: typed media, canonical files and JSON manifests, run directories.

Everything public is re-exported here and imported lazily on first use, so ``import mediatypes``
stays fast.

>>> import mediatypes as mt
>>> mt.Image(np.zeros((32, 32, 3), np.uint8), caption="black").save("out")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> "module:attribute" (module-level attributes are resolved on first access)
_LAZY: dict[str, str] = {
    "Audio": "mediatypes.audio:Audio",
    "DirectoryTransport": "mediatypes.transports:DirectoryTransport",
    "Histogram": "mediatypes.histogram:Histogram",
    "Html": "mediatypes.html:Html",
    "Image": "mediatypes.image:Image",
    "Loggable": "mediatypes.core.media:Loggable",
    "Media": "mediatypes.core.media:Media",
    "MediaError": "mediatypes.errors:MediaError",
    "MemoryTransport": "mediatypes.transports:MemoryTransport",
    "Molecule": "mediatypes.molecule:Molecule",
    "Object3D": "mediatypes.object3d:Object3D",
    "Plotly": "mediatypes.plotly_figure:Plotly",
    "Run": "mediatypes.runs.run:Run",
    "Table": "mediatypes.table:Table",
    "Transport": "mediatypes.transports:Transport",
    "Video": "mediatypes.video:Video",
    "box3d": "mediatypes.object3d:box3d",
    "convert_one": "mediatypes.cli.convert:convert_one",
    "define_metric": "mediatypes.runs.run:define_metric",
    "errors": "mediatypes.errors:",
    "finish": "mediatypes.runs.run:finish",
    "init": "mediatypes.runs.run:init",
    "log": "mediatypes.runs.run:log",
    "open_run": "mediatypes.runs.reader:open_run",
    "run": "mediatypes.runs.run:current_run",
    "schemas": "mediatypes.schemas:",
    "summary": "mediatypes.runs.run:current_summary",
    "unwatch": "mediatypes.runs.run:unwatch",
    "watch": "mediatypes.runs.run:watch",
}

__all__ = [
    "Audio",
    "DirectoryTransport",
    "Histogram",
    "Html",
    "Image",
    "Loggable",
    "Media",
    "MediaError",
    "MemoryTransport",
    "Molecule",
    "Object3D",
    "Plotly",
    "Run",
    "Table",
    "Transport",
    "Video",
    "box3d",
    "convert_one",
    "define_metric",
    "errors",
    "finish",
    "init",
    "log",
    "open_run",
    "run",
    "schemas",
    "summary",
    "unwatch",
    "watch",
]

# Names whose value changes over time: resolved by calling the referenced function on every
# access and never cached in globals() (``mediatypes.run`` is the *current* run).
_DYNAMIC = frozenset({"run", "summary"})

if TYPE_CHECKING:  # pragma: no cover
    from . import errors, schemas
    from .audio import Audio
    from .cli.convert import convert_one
    from .core.media import Loggable, Media
    from .errors import MediaError
    from .histogram import Histogram
    from .html import Html
    from .image import Image
    from .molecule import Molecule
    from .object3d import Object3D, box3d
    from .plotly_figure import Plotly
    from .runs.reader import open_run
    from .runs.run import Run, define_metric, finish, init, log, unwatch, watch
    from .runs.run import current_run as run
    from .runs.run import current_summary as summary
    from .table import Table
    from .transports import DirectoryTransport, MemoryTransport, Transport
    from .video import Video


def __getattr__(name: str) -> Any:
    ref = _LAZY.get(name)
    if ref is None:
        raise AttributeError(f"module 'mediatypes' has no attribute {name!r}")
    module, _, attr = ref.partition(":")
    value = importlib.import_module(module)
    if attr:
        value = getattr(value, attr)
    if name in _DYNAMIC:
        return value()  # type: ignore[operator]
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
