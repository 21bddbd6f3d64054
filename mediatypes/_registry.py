"""Lazy registry of media types and value adapters, by string reference (nothing imported early).

``TYPES`` maps each manifest ``_type`` to ``"module:Class"``; ``ADAPTERS`` maps a foreign object's
class (``"module.Class"`` as found in its MRO) to the ``"module:callable"`` that turns it into a
media object. The run layer and the CLI use these and import no concrete media type themselves.
"""

from __future__ import annotations

import importlib
import os
import types
from typing import Any

from .errors import InvalidInputError

__all__ = ["ADAPTERS", "MODULE_ADAPTERS", "TYPES", "adapt", "load", "media_class", "pyplot_image"]

TYPES: dict[str, str] = {
    "audio-file": "mediatypes.audio:Audio",
    "chart": "charts.chart:Chart",
    "histogram": "mediatypes.histogram:Histogram",
    "html-file": "mediatypes.html:Html",
    "image-file": "mediatypes.image:Image",
    "molecule-file": "mediatypes.molecule:Molecule",
    "object3D-file": "mediatypes.object3d:Object3D",
    "plotly-file": "mediatypes.plotly_figure:Plotly",
    "table-file": "mediatypes.table:Table",
    "video-file": "mediatypes.video:Video",
}

ADAPTERS: dict[str, str] = {
    "matplotlib.figure.Figure": "mediatypes.image:Image",
    # moviepy is never imported: Video reads any clip through iter_frames() and fps
    "moviepy.video.VideoClip.VideoClip": "mediatypes.video:Video",
    "pandas.DataFrame": "mediatypes.table:Table.from_dataframe",  # pandas >= 3
    "pandas.core.frame.DataFrame": "mediatypes.table:Table.from_dataframe",
    "plotly.basedatatypes.BaseFigure": "mediatypes.plotly_figure:Plotly",  # FigureWidget etc.
    "plotly.graph_objs._figure.Figure": "mediatypes.plotly_figure:Plotly",
    "polars.dataframe.frame.DataFrame": "mediatypes.table:Table.from_dataframe",
}

# A module object logged directly (by its ``__name__``) -> "module:callable" converting it.
MODULE_ADAPTERS: dict[str, str] = {
    "matplotlib.pyplot": "mediatypes._registry:pyplot_image",
}


def _resolve(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def media_class(type_name: str) -> Any:
    try:
        return _resolve(TYPES[type_name])
    except KeyError:
        raise InvalidInputError(
            f"unknown media `_type` {type_name!r}; known: {', '.join(sorted(TYPES))}."
        ) from None


def load(manifest: dict[str, Any], root: str | os.PathLike[str]) -> Any:
    """Turn a manifest back into its typed object (files are read below ``root``)."""
    if manifest.get("_type") == "media-list":
        return [load(item, root) for item in manifest["items"]]
    return media_class(str(manifest.get("_type"))).from_manifest(manifest, root)


def adapt(value: Any) -> Any | None:
    """The media object for a foreign value (figure, DataFrame, …), or None if none applies."""
    if value is None or isinstance(value, (int, float, str, bool)):
        return None
    if isinstance(value, types.ModuleType):
        mod_ref = MODULE_ADAPTERS.get(value.__name__)
        return None if mod_ref is None else _resolve(mod_ref)(value)
    for cls in type(value).__mro__:
        ref = ADAPTERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if ref is not None:
            return _resolve(ref)(value)
    return None


def pyplot_image(plt: Any) -> Any:
    """``matplotlib.pyplot`` logged directly: the current figure as an ``Image`` (PNG, exact pixels)."""
    figure = plt.gcf()
    return adapt(figure) or _resolve("mediatypes.image:Image")(figure)
