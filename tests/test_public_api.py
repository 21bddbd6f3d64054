from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import charts
import mediatypes
from tests._imports import loaded_after


def test_all_is_sorted_and_resolves() -> None:
    for module in (mediatypes, charts):
        assert list(module.__all__) == sorted(module.__all__), module.__name__
        dynamic = getattr(module, "_DYNAMIC", frozenset())
        for name in module.__all__:
            value = getattr(module, name)  # dynamic names (the current run) may be None
            assert value is not None or name in dynamic, name
            where, _, attr = module._LAZY[name].partition(":")
            if attr and name not in dynamic:  # the public object, not a submodule of its name
                assert value is getattr(importlib.import_module(where), attr), name
    assert mediatypes.__all__ == sorted(mediatypes._LAZY)


def test_import_is_light() -> None:
    heavy = ("numpy", "PIL", "jsonschema", "jsonschema_rs", "torch", "pandas", "matplotlib")
    heavy += ("av", "trimesh", "rdkit", "soundfile", "vl_convert")
    assert loaded_after("import mediatypes, charts", heavy) == []


def test_a_public_name_that_is_also_a_submodule_stays_the_public_one() -> None:
    # no public name is also a submodule's name: importing that submodule (for another name, or
    # by a user's `import charts.x`) would bind the package attribute to the module
    names = ", ".join(f"charts.{n}" for n in charts.__all__)
    mods = " ".join(
        f"import charts.{m.name[:-3]};" for m in Path(charts.__file__).parent.glob("*.py")
    )
    code = f"import charts; {mods} charts.HeatMap; print({{type(x).__name__ for x in ({names})}} - {{'function', 'type'}})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "set()"
