"""Lazy import of optional dependencies with the exact install line on failure."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

# module name -> (pip distribution, mediatypes extra)
_EXTRAS: dict[str, tuple[str, str]] = {
    "av": ("av", "video"),
    "imageio_ffmpeg": ("imageio-ffmpeg", "video"),
    "soundfile": ("soundfile", "audio"),
    "trimesh": ("trimesh", "3d"),
    "rdkit": ("rdkit", "molecule"),
    "vl_convert": ("vl-convert-python", "render"),
    "pandas": ("pandas", "table"),
    "matplotlib": ("matplotlib", "plot"),
    "plotly": ("plotly", "plot"),
    "tqdm": ("tqdm", "progress"),
    "torch": ("torch", "torch"),
    "tensorboard": ("tensorboard", "tensorboard"),
    "google_crc32c": ("google-crc32c", "tensorboard"),
    "mlflow": ("mlflow-skinny", "mlflow"),
    "fsspec": ("fsspec", "cloud"),
    "s3fs": ("s3fs", "cloud"),
}


def install_line(module: str) -> str:
    """The pip command that provides ``module``."""
    top = module.split(".")[0]
    dist, extra = _EXTRAS.get(top, (top, ""))
    if extra and extra != "torch":
        return f"pip install 'mediatypes[{extra}]'"
    return f"pip install {dist}"


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise MissingDependencyError naming what needs it and how to install it.

    >>> np = require("numpy", "arrays")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional dependency '{module.split('.')[0]}', which is not "
            f"installed. Install it with: {install_line(module)}"
        ) from exc
