"""Array coercion shared by the media types: torch/array-likes to numpy, finiteness, pixel scaling.

Float → 8-bit rule (documented in the README and tested pixel by pixel):

* all values in ``[0, 1]``            → ``round(x * 255)``                (the common case)
* some negative, all in ``[-1, 1]``  → ``round((x + 1) * 127.5)``        (tanh-style outputs)
* max > 1, all in ``[0, 255]``       → ``round(x)``                      (already in pixel units)
* anything else                      → min–max normalised to ``[0, 255]`` with a warning
  (the reference SDK min–max normalises silently whenever a value is negative, which changes the
  meaning of ``[-1, 1]`` and ``[0, 1]`` data that happens not to span the full range).

Rounding is half-up (``floor(v + 0.5)``). Integer and bool arrays are never rescaled: bool becomes
0/255, uint8 is kept, other integers must already lie in 0–255 (uint16 grayscale is kept as 16-bit).
NaN and ±Inf are always an error.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import InvalidTypeError, NonFiniteError, ShapeError, describe

__all__ = ["check_finite", "float_to_uint8", "is_tensor", "to_numpy"]


def is_tensor(value: Any) -> bool:
    """True for torch tensors (checked by module name, so torch is never imported here)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def to_numpy(value: Any, param: str, owner: str, *, copy: bool = False) -> np.ndarray:
    """Convert numpy arrays, torch tensors (any device, requiring grad or not) and array-likes.

    Lists and other non-array inputs are refused with an InvalidTypeError: silently guessing the
    structure of nested lists is how data gets lost.
    """
    if isinstance(value, np.ndarray):
        arr = value
    elif is_tensor(value):
        arr = value.detach().cpu().numpy()
    elif hasattr(value, "__array__") and not isinstance(value, (str, bytes)):
        arr = np.asarray(value)
    else:
        raise InvalidTypeError(
            f"{owner}: `{param}` expects a numpy array or torch tensor; got {describe(value)}. "
            "Wrap lists with np.asarray(...)."
        )
    if arr.dtype == object:
        raise InvalidTypeError(
            f"{owner}: `{param}` expects a numeric array; got an array of Python objects (dtype object)."
        )
    if copy and arr is value:
        arr = arr.copy()
    return arr


def check_finite(arr: np.ndarray, param: str, owner: str) -> None:
    """Raise NonFiniteError if a float array holds NaN or ±Inf (cheap: one min/max pass)."""
    if arr.dtype.kind not in "fc" or arr.size == 0:
        return
    lo, hi = np.min(arr), np.max(arr)
    if np.isfinite(lo) and np.isfinite(hi):
        return
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    raise NonFiniteError(
        f"{owner}: `{param}` expects finite values; got {bad} NaN/Inf value(s) in an array of "
        f"shape {arr.shape}. Replace them first, e.g. np.nan_to_num(x)."
    )


def float_to_uint8(arr: np.ndarray, param: str, owner: str) -> np.ndarray:
    """Scale a float array to uint8 by the rule in this module's docstring."""
    if arr.size == 0:
        raise ShapeError(f"{owner}: `{param}` expects a non-empty array; got shape {arr.shape}.")
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        check_finite(arr, param, owner)
    # float32 is enough and fast, but finite float64 values beyond its range would become Inf
    wide = max(-lo, hi) > float(np.finfo(np.float32).max)
    ftype = np.float64 if wide else np.float32
    a = arr.astype(ftype, copy=False)
    if lo >= 0.0 and hi <= 1.0:
        scale, offset = 255.0, 0.5
    elif lo >= -1.0 and hi <= 1.0:
        scale, offset = 127.5, 127.5 + 0.5
    elif lo >= 0.0 and hi <= 255.0:
        scale, offset = 1.0, 0.5
    else:
        warnings.warn(
            f"{owner}: `{param}` float values span [{lo:g}, {hi:g}], outside [0, 1], [-1, 1] and "
            "[0, 255]; min-max normalising to 0-255. Scale the data yourself to control this.",
            stacklevel=4,
        )
        half_span = hi / 2 - lo / 2  # halves: hi - lo can overflow for wide float64 data
        scale = 127.5 / half_span if half_span > 0 else 0.0
        offset = -lo * scale + 0.5
    out = np.empty(a.shape, dtype=ftype)
    np.multiply(a, ftype(scale), out=out)
    out += ftype(offset)
    np.clip(out, 0.0, 255.0, out=out)  # floor below, guard rounding at the top end
    return out.astype(np.uint8)  # truncation after +0.5 == round half up for non-negatives
