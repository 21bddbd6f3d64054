from __future__ import annotations

import inspect
import re

import pytest

from mediatypes import errors
from mediatypes._optional import install_line, require


def test_every_error_is_a_media_error_and_a_builtin() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)
    ]
    assert len(classes) >= 14
    for cls in classes:
        assert issubclass(cls, errors.MediaError)
        if cls is not errors.MediaError:
            assert any(
                issubclass(cls, b) for b in (ValueError, TypeError, ImportError, RuntimeError)
            ), cls


def test_tree_drawn_in_docstring_names_every_error() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        if name != "describe":
            assert re.search(rf"\b{name}\b", doc), name


def test_missing_dependency_names_install_line() -> None:
    with pytest.raises(errors.MissingDependencyError) as info:
        require("definitely_not_installed_pkg", "Testing")
    assert isinstance(info.value, ImportError)
    assert "pip install" in str(info.value)
    assert install_line("soundfile") == "pip install 'mediatypes[audio]'"
    assert install_line("trimesh.exchange") == "pip install 'mediatypes[3d]'"


def test_describe() -> None:
    import numpy as np

    assert (
        errors.describe(np.zeros((2, 3), np.uint8))
        == "numpy.ndarray of shape (2, 3) and dtype uint8"
    )
    assert errors.describe([1, 2]) == "list of length 2"
    assert errors.describe(None) == "NoneType None"
