from __future__ import annotations

import subprocess
import sys

import charts
import mediatypes


def test_all_is_sorted_and_resolves() -> None:
    for module in (mediatypes, charts):
        assert list(module.__all__) == sorted(module.__all__), module.__name__
        dynamic = getattr(module, "_DYNAMIC", frozenset())
        for name in module.__all__:
            value = getattr(module, name)  # dynamic names (the current run) may be None
            assert value is not None or name in dynamic, name
    assert mediatypes.__all__ == sorted(mediatypes._LAZY)


def test_import_is_light() -> None:
    code = (
        "import sys, mediatypes, charts; "
        "heavy = [m for m in ('numpy', 'PIL', 'jsonschema', 'torch', 'pandas', 'matplotlib', "
        "'av', 'trimesh', 'rdkit', 'soundfile', 'vl_convert') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
