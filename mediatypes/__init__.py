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
    "Histogram": "mediatypes.histogram:Histogram",
    "Html": "mediatypes.html:Html",
    "Image": "mediatypes.image:Image",
    "Loggable": "mediatypes.core.media:Loggable",
    "Media": "mediatypes.core.media:Media",
    "MediaError": "mediatypes.errors:MediaError",
    "Molecule": "mediatypes.molecule:Molecule",
    "Object3D": "mediatypes.object3d:Object3D",
    "Plotly": "mediatypes.plotly_figure:Plotly",
    "Table": "mediatypes.table:Table",
    "Video": "mediatypes.video:Video",
    "box3d": "mediatypes.object3d:box3d",
    "errors": "mediatypes.errors:",
    "schemas": "mediatypes.schemas:",
}

__all__ = [
    "Audio",
    "Histogram",
    "Html",
    "Image",
    "Loggable",
    "Media",
    "MediaError",
    "Molecule",
    "Object3D",
    "Plotly",
    "Table",
    "Video",
    "box3d",
    "errors",
    "schemas",
]

if TYPE_CHECKING:  # pragma: no cover
    from . import errors, schemas
    from .audio import Audio
    from .core.media import Loggable, Media
    from .errors import MediaError
    from .histogram import Histogram
    from .html import Html
    from .image import Image
    from .molecule import Molecule
    from .object3d import Object3D, box3d
    from .plotly_figure import Plotly
    from .table import Table
    from .video import Video


def __getattr__(name: str) -> Any:
    ref = _LAZY.get(name)
    if ref is None:
        raise AttributeError(f"module 'mediatypes' has no attribute {name!r}")
    module, _, attr = ref.partition(":")
    value = importlib.import_module(module)
    if attr:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
