"""Every preset: valid against the official Vega-Lite schema, renders offline with no warning and
visible marks, matches its golden ``.vl.json``, and survives a save / load round trip."""

from __future__ import annotations

import functools
import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import altair
import jsonschema
import pytest

import charts
from charts.chart import VEGA_LITE_SCHEMA, Chart, vega_lite_version
from mediatypes import _json, _registry, schemas
from mediatypes.errors import EncodingError, InvalidTypeError

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden" / "chart" / "presets"


def _load_samples() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("gen_chart", ROOT / "fixtures" / "gen_chart.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SAMPLES()  # type: ignore[no-any-return]


SAMPLES = _load_samples()


@functools.cache
def vega_lite_validator() -> jsonschema.Draft7Validator:
    """The official Vega-Lite JSON schema, as shipped inside the installed Altair."""
    major = f"v{charts.chart.VEGA_LITE_MAJOR}"
    path = Path(altair.__file__).parent / "vegalite" / major / "schema" / "vega-lite-schema.json"
    return jsonschema.Draft7Validator(_json.loads(path.read_bytes()))


def data_marks(svg: str) -> int:
    """How many drawn items sit in the data-mark groups (``role-mark``) of a Vega SVG."""
    root = ET.fromstring(svg)
    count = 0
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if "role-mark" in g.get("class", "").split():
            count += len(list(g))
    return count


def test_every_builtin_preset_has_a_sample() -> None:
    assert set(SAMPLES) == set(charts.preset_names())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_spec_validates_against_the_official_vega_lite_schema(name: str) -> None:
    spec = SAMPLES[name]().spec
    errors = sorted(vega_lite_validator().iter_errors(spec), key=lambda e: e.path)
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors]
    assert spec["$schema"] == VEGA_LITE_SCHEMA
    assert isinstance(spec["data"]["values"], list) and spec["data"]["values"]
    assert "${" not in _json.dumps(spec).decode()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_renders_offline_without_warnings_and_with_marks(
    name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    import vl_convert as vlc

    chart = SAMPLES[name]()
    capfd.readouterr()
    svg = vlc.vegalite_to_svg(
        chart.spec, vl_version=vega_lite_version(), show_warnings=True, allowed_base_urls=[]
    )
    out, err = capfd.readouterr()
    assert "WARN" not in out + err, out + err
    assert data_marks(svg) > 0
    assert data_marks(chart.to_svg()) == data_marks(svg)
    assert chart.to_png()[:8] == b"\x89PNG\r\n\x1a\n"
    vega = chart.to_vega()
    assert vega["$schema"].startswith("https://vega.github.io/schema/vega/")


def test_mark_counts_follow_the_data() -> None:
    svg = SAMPLES["scatter"]().to_svg()
    assert data_marks(svg) == 12  # one point per row
    svg = SAMPLES["heatmap_text"]().to_svg()
    assert data_marks(svg) == 6 + 6  # one rect and one text per cell
    assert ">5<" in svg or re.search(r">\s*5\s*<", svg)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_matches_golden_spec(name: str) -> None:
    golden = GOLDEN / f"{name}.vl.json"
    assert golden.is_file(), f"missing golden {golden}; run fixtures/make_fixtures.py"
    assert SAMPLES[name]().to_json() == golden.read_bytes()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_save_and_load_back(name: str, tmp_path: Path) -> None:
    chart = SAMPLES[name]()
    m = chart.save(tmp_path, name="c")
    schemas.validate(m)
    assert m["_type"] == "chart" and m["path"].endswith(".vl.json")
    assert m["preset"] == name and m["table"]["_type"] == "table-file"
    assert _json.loads((tmp_path / m["path"]).read_bytes()) == chart.spec
    back = _registry.load(m, tmp_path)
    assert isinstance(back, Chart)
    assert back.spec == chart.spec and back.table.data == chart.table.data


def test_external_data_is_refused() -> None:
    chart = SAMPLES["line"]()
    spec = chart.spec
    spec["data"] = {"url": "https://example.com/data.json"}
    with pytest.raises(EncodingError, match="not allowed"):
        Chart(spec, chart.table).to_svg()


def test_spec_property_is_a_copy_and_chart_needs_a_table() -> None:
    chart = SAMPLES["bar"]()
    chart.spec["title"] = "changed"
    assert chart.spec["title"] == "Bars"
    with pytest.raises(InvalidTypeError, match=r"mediatypes\.Table"):
        Chart(chart.spec, [[1, 2]])  # type: ignore[arg-type]


def test_field_names_with_dots_are_escaped() -> None:
    import mediatypes as mt

    t = mt.Table(columns=["train.loss", "step[0]"], data=[[0.5, 0], [0.25, 1]])
    chart = charts.line(t, "step[0]", "train.loss")
    enc = chart.spec["encoding"]
    assert enc["x"]["field"] == "step\\[0\\]" and enc["y"]["field"] == "train\\.loss"
    assert data_marks(chart.to_svg()) == 1


def test_warning_capture_works(capfd: pytest.CaptureFixture[str]) -> None:
    """Control for the no-warning test: a spec Vega-Lite warns about is caught the same way."""
    import vl_convert as vlc

    spec = SAMPLES["line"]().spec
    spec["encoding"]["size"] = {
        "field": "y",
        "type": "quantitative",
        "bin": True,
        "aggregate": "sum",
    }
    capfd.readouterr()
    vlc.vegalite_to_svg(
        spec, vl_version=vega_lite_version(), show_warnings=True, allowed_base_urls=[]
    )
    out, err = capfd.readouterr()
    assert "WARN" in out + err
