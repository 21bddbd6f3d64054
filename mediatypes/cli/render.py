"""``mediatypes render CHART.vl.json --svg|--png [-o OUT]``: render a Vega-Lite spec offline.

Uses ``charts.Chart.to_svg`` / ``to_png`` (vl-convert with every external URL refused), so a chart
renders exactly as the library renders it and never touches the network.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import _json, _registry
from .._optional import require
from ..core.media import MANIFEST_SUFFIX, root_path
from ..core.store import atomic_write
from ..errors import EncodingError, InvalidInputError
from ._output import emit_json, wrap

EPILOG = """examples:
  mediatypes render out/pr_curve_3f2a….vl.json --svg            # writes out/pr_curve_3f2a….svg
  mediatypes render out/pr_curve.manifest.json --png -o pr.png --scale 2
  mediatypes render chart.vl.json --svg -o - > chart.svg"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "render",
        help="render a Vega-Lite chart spec to SVG or PNG (offline)",
        description=wrap(
            "Render a Vega-Lite spec (a .vl.json file, or a chart manifest) to SVG or PNG "
            "with vl-convert. External data URLs are refused: rendering never uses the network."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("chart", metavar="CHART", help="a .vl.json spec or a chart .manifest.json")
    fmt = p.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--svg", dest="fmt", action="store_const", const="svg")
    fmt.add_argument("--png", dest="fmt", action="store_const", const="png")
    p.add_argument("-o", "--output", metavar="OUT", help="output file ('-' for stdout)")
    p.add_argument("--scale", type=float, default=1.0, help="PNG scale factor (default 1)")
    p.add_argument("--json", action="store_true", help="print where the output went as JSON")
    p.set_defaults(func=run)


def load_spec(path: Path) -> dict[str, Any]:
    try:
        obj = _json.loads(path.read_bytes())
    except (OSError, _json.JSONDecodeError) as exc:
        raise InvalidInputError(f"render: cannot read a JSON spec from {path} ({exc})") from exc
    if isinstance(obj, dict) and obj.get("_type") == "chart":
        # a chart manifest: its spec file is relative to the manifest's folder
        from .validate import manifest_root

        spec_path = root_path(manifest_root(path, obj), obj)
        return load_spec(spec_path)
    if not isinstance(obj, dict) or not any(k in obj for k in ("mark", "layer", "$schema")):
        raise InvalidInputError(
            f"render: `CHART` expects a Vega-Lite spec (a JSON object with `mark`, `layer` or "
            f"`$schema`) or a chart manifest; got {path}."
        )
    return obj


def render(spec: dict[str, Any], fmt: str, scale: float = 1.0) -> bytes:
    """SVG or PNG bytes of ``spec``, rendered offline."""
    if "chart" in _registry.TYPES:
        chart_cls = _registry.media_class("chart")
        table_cls = _registry.media_class("table-file")
        chart = chart_cls(spec, table_cls(columns=["_"], data=[]))
        return chart.to_svg().encode() if fmt == "svg" else bytes(chart.to_png(scale=scale))
    vlc = require("vl_convert", "render")
    try:
        if fmt == "svg":
            return str(vlc.vegalite_to_svg(spec, allowed_base_urls=[])).encode()
        return bytes(vlc.vegalite_to_png(spec, scale=scale, allowed_base_urls=[]))
    except ValueError as exc:
        raise EncodingError(f"render: vl-convert could not render the spec: {exc}") from exc


def _default_output(path: Path, fmt: str) -> Path:
    name = path.name
    for suffix in (MANIFEST_SUFFIX, ".vl.json", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(f"{name}.{fmt}")


def run(args: argparse.Namespace) -> int:
    path = Path(args.chart)
    data = render(load_spec(path), args.fmt, args.scale)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    out = Path(args.output) if args.output else _default_output(path, args.fmt)
    atomic_write(out, data)
    if args.json:
        emit_json({"ok": True, "output": str(out), "format": args.fmt, "bytes": len(data)})
    else:
        print(f"wrote {out} ({len(data):,} bytes)")
    return 0
