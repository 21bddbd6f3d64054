from __future__ import annotations

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
    assert mediatypes.__all__ == sorted(mediatypes._LAZY)


def test_import_is_light() -> None:
    heavy = ("numpy", "PIL", "jsonschema", "jsonschema_rs", "torch", "pandas", "matplotlib")
    heavy += ("av", "trimesh", "rdkit", "soundfile", "vl_convert")
    assert loaded_after("import mediatypes, charts", heavy) == []
