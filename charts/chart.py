"""Chart: a self-contained Vega-Lite spec (data inline) plus the Table it plots.

Written as two canonical files under one key: ``<key>_<hash>.vl.json`` (the spec, indented, with
``$schema`` set and the plotted columns inline as ``data.values``) and ``<key>_<hash>.table.json``
(the full table, lossless). The manifest (``_type: "chart"``) points at the spec file and nests
the table's manifest. Rendering uses vl-convert (``pip install 'mediatypes[render]'``) with external
data URLs disallowed, so a chart never touches the network.
"""

from __future__ import annotations

import copy
import functools
import os
from typing import Any, ClassVar

from mediatypes import _json
from mediatypes._optional import require
from mediatypes.core.media import TrackingStore, root_path, save_manifest
from mediatypes.core.store import Store
from mediatypes.errors import EncodingError, InvalidTypeError, describe
from mediatypes.table import Table

__all__ = ["VEGA_LITE_MAJOR", "VEGA_LITE_SCHEMA", "Chart", "vega_lite_version"]

VEGA_LITE_MAJOR = 6
VEGA_LITE_SCHEMA = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_MAJOR}.json"


@functools.cache
def vega_lite_version() -> str:
    """The newest Vega-Lite ``VEGA_LITE_MAJOR.x`` library bundled in the installed vl-convert."""
    vlc = require("vl_convert", "Chart rendering")
    versions = [v.lstrip("v") for v in vlc.get_vegalite_versions()]
    ours = [v for v in versions if v.split(".")[0] == str(VEGA_LITE_MAJOR)]
    if not ours:
        raise EncodingError(
            f"the installed vl-convert bundles Vega-Lite {versions}, none of major version "
            f"{VEGA_LITE_MAJOR}; upgrade it with: pip install -U vl-convert-python"
        )
    return max(ours, key=lambda v: tuple(int(p) for p in v.split(".")))


class Chart:
    """A Vega-Lite chart and its table. Built by the presets (``charts.line`` …) or ``plot_table``.

    >>> chart = charts.line(table, "x", "y", title="loss")  # doctest: +SKIP
    >>> chart.to_svg()[:4]  # doctest: +SKIP
    '<svg'
    """

    _type: ClassVar[str] = "chart"
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        spec: dict[str, Any],
        table: Table,
        *,
        preset: str | None = None,
        fields: dict[str, str] | None = None,
        string_fields: dict[str, str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(table, Table):
            raise InvalidTypeError(
                f"Chart: `table` expects a mediatypes.Table; got {describe(table)}."
            )
        if not isinstance(spec, dict):
            raise InvalidTypeError(f"Chart: `spec` expects a dict; got {describe(spec)}.")
        self._spec = spec
        self.table = table
        self.preset = preset
        self.fields = dict(fields or {})
        self.string_fields = dict(string_fields or {})
        self.meta = dict(meta or {})

    @property
    def spec(self) -> dict[str, Any]:
        """The Vega-Lite spec (a deep copy: editing it does not change the chart)."""
        return copy.deepcopy(self._spec)

    @property
    def title(self) -> str | None:
        title = self._spec.get("title")
        return title if isinstance(title, str) else None

    def to_json(self) -> bytes:
        """The spec as canonical JSON bytes (sorted keys, indented)."""
        return _json.dumps(self._spec, indent=True)

    # ------------------------------------------------------------------ rendering (vl-convert)
    def to_vega(self) -> dict[str, Any]:
        """Compile to a Vega spec."""
        vlc = require("vl_convert", "Chart.to_vega")
        return self._convert(vlc.vegalite_to_vega, self._spec, vl_version=vega_lite_version())

    def to_svg(self) -> str:
        """Render to an SVG string, offline (external data URLs are refused)."""
        vlc = require("vl_convert", "Chart.to_svg")
        return self._convert(
            vlc.vegalite_to_svg, self._spec, vl_version=vega_lite_version(), allowed_base_urls=[]
        )

    def to_png(self, scale: float = 1.0) -> bytes:
        """Render to PNG bytes, offline."""
        vlc = require("vl_convert", "Chart.to_png")
        return self._convert(
            vlc.vegalite_to_png,
            self._spec,
            vl_version=vega_lite_version(),
            scale=scale,
            allowed_base_urls=[],
        )

    @staticmethod
    def _convert(fn: Any, spec: dict[str, Any], **kw: Any) -> Any:
        try:
            return fn(spec, **kw)
        except ValueError as exc:  # vl-convert reports compile/render failures as ValueError
            raise EncodingError(f"Chart: vl-convert could not render the spec: {exc}") from exc

    # ------------------------------------------------------------------ manifests
    def to_manifest(self, store: Store, key: str) -> dict[str, Any]:
        """Write the table and the ``.vl.json`` spec through ``store``; return the chart manifest."""
        tracking = TrackingStore(store)
        try:
            table_manifest = self.table.to_manifest(tracking, key)
            ref, _ = tracking.put(key, self.to_json(), "vl.json")
        except BaseException:
            tracking.rollback()
            raise
        manifest: dict[str, Any] = {
            "_type": self._type,
            "schema_version": self.SCHEMA_VERSION,
            **ref,
            "preset": self.preset,
            "vega_lite_major": VEGA_LITE_MAJOR,
            "fields": dict(self.fields),
            "table": table_manifest,
        }
        if self.string_fields:
            manifest["string_fields"] = dict(self.string_fields)
        if self.title:
            manifest["title"] = self.title
        if self.meta:
            manifest["meta"] = self.meta
        return manifest

    def save(self, directory: str | os.PathLike[str], name: str | None = None) -> dict[str, Any]:
        """Write ``<name>.manifest.json``, the spec and the table into ``directory``."""
        return save_manifest(self, directory, name or (self.preset or "chart"))

    def default_name(self) -> str:
        return self.preset or "chart"

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Chart:
        """Load a chart back from its manifest (spec and table read below ``root``)."""
        spec = _json.loads(root_path(root, manifest).read_bytes())
        table = Table.from_manifest(manifest["table"], root)
        return cls(
            spec,
            table,
            preset=manifest.get("preset"),
            fields=manifest.get("fields"),
            string_fields=manifest.get("string_fields"),
            meta=manifest.get("meta"),
        )

    def __repr__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        return f"<Chart {self.preset or 'custom'}{title}: {self.table!r}>"
