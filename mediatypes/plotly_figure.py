"""Plotly: a plotly figure → its figure JSON file (``.plotly.json``) + manifest.

Encoding (``_type = "plotly-file"``, schema version 1): ``fig.to_plotly_json()`` serialized by our
deterministic JSON writer (sorted keys, compact), so the same figure always gives the same bytes.
Numeric arrays appear in plotly's own typed-array form (``{"dtype", "bdata"}``) that plotly.js and
``plotly.io.from_json`` read back. Values orjson cannot serialize (e.g. ``Decimal``) go through
plotly's own JSON encoder first. Matplotlib figures are *not* converted to plotly (the reference SDK
does that lossily); they are logged as PNG images by ``Image``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from . import _json
from ._optional import require
from .core.media import Encoded, Media, Payload, check_caption
from .errors import InvalidInputError, InvalidTypeError, describe

__all__ = ["Plotly"]

OWNER = "Plotly"


def _is_plotly_figure(value: Any) -> bool:
    return any(
        f"{c.__module__}.{c.__qualname__}" == "plotly.basedatatypes.BaseFigure"
        for c in type(value).__mro__
    )


class Plotly(Media):
    """A plotly figure (``plotly.graph_objects.Figure`` or a figure dict with ``data``/``layout``).

    >>> Plotly(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))).save("out")["num_traces"]  # doctest: +SKIP
    1
    """

    _type: ClassVar[str] = "plotly-file"
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init__(self, data: Any, caption: str | None = None) -> None:
        self.caption = check_caption(caption, OWNER)
        if _is_plotly_figure(data):
            figure = data
        elif isinstance(data, Mapping):
            go = require("plotly.graph_objects", "Plotly")
            try:
                figure = go.Figure(dict(data))
            except (ValueError, TypeError) as exc:
                raise InvalidInputError(
                    f"{OWNER}: `data` is not a valid plotly figure dict: {exc}"
                ) from exc
        else:
            raise InvalidTypeError(
                f"{OWNER}: `data` expects a plotly figure or a figure dict; got {describe(data)}."
            )
        # Snapshot now: later changes to the caller's figure must not change what is logged.
        self._figure_json = figure.to_plotly_json()
        self.num_traces = len(self._figure_json.get("data") or ())

    def _encode(self) -> Encoded:
        try:
            data = _json.dumps(self._figure_json)
        except TypeError:
            pio = require("plotly.io", "Plotly")
            data = _json.dumps(_json.loads(pio.to_json(self._figure_json, engine="json")))
        return Payload(ext="plotly.json", data=data), {
            "format": "plotly-json",
            "num_traces": self.num_traces,
            "caption": self.caption,
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Plotly:
        from .core.media import root_path

        figure = _json.loads(root_path(root, manifest).read_bytes())
        return cls(figure, caption=manifest.get("caption"))

    def default_name(self) -> str:
        return "plotly"
