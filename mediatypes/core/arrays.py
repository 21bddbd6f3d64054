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

Torch tensors (``tensor_to_numpy``) are detached, moved to the CPU, densified (sparse layouts),
dequantized, and have lazy conjugate/negative bits resolved. Float dtypes numpy lacks (bfloat16,
the float8 family) are upcast to float32 and complex32 to complex64 — exactly, as every such value
is representable. A "meta" tensor holds no data and is refused with a clear error.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from ..errors import InvalidInputError, InvalidTypeError, NonFiniteError, ShapeError, describe

__all__ = [
    "check_finite",
    "float_to_uint8",
    "is_tensor",
    "tensor_to_numpy",
    "to_numpy",
    "untensor",
]

_NUMPY_FLOATS = ("torch.float16", "torch.float32", "torch.float64")


def is_tensor(value: Any) -> bool:
    """True for torch tensors (checked by module name, so torch is never imported here)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def tensor_to_numpy(
    t: Any, param: str = "data", owner: str = "mediatypes", *, copy: bool = False
) -> np.ndarray:
    """A numpy array holding a torch tensor's values (rules in the module docstring).

    Without ``copy`` the result may share memory with a CPU tensor (no copy is made when none is
    needed); with ``copy`` it never does.
    """
    torch = sys.modules["torch"]  # already imported: we hold a tensor
    t = t.detach()
    device = t.device.type
    if device == "meta":
        raise InvalidInputError(
            f"{owner}: `{param}` is a tensor on the 'meta' device, which holds no values; "
            "materialize it first (e.g. torch.empty_like(t, device='cpu'))."
        )
    shared = device == "cpu"  # .numpy() of a CPU tensor is a view of its storage
    try:
        if t.layout is not torch.strided:
            t, shared = t.to_dense(), False
        if t.is_quantized:
            t, shared = t.dequantize(), False
        if device != "cpu":
            t = t.cpu()
        dtype = str(t.dtype)
        if t.is_floating_point() and dtype not in _NUMPY_FLOATS:
            t, shared = t.float(), False  # bfloat16 / float8: exact in float32
        elif dtype == "torch.complex32":
            t, shared = t.to(dtype=torch.complex64), False
        arr: np.ndarray = t.numpy(force=True)  # also resolves conjugate / negative bits
    except (TypeError, RuntimeError) as exc:  # NotImplementedError is a RuntimeError
        raise InvalidTypeError(
            f"{owner}: `{param}` expects a tensor with a numeric dtype; got {describe(t)} "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    if copy and shared:
        arr = arr.copy()
    return arr


def untensor(value: Any) -> Any:
    """A tensor as numpy (0-d tensors as a Python scalar); anything else unchanged."""
    if not is_tensor(value):
        return value
    if value.dim() == 0 and not value.is_quantized and value.device.type != "meta":
        return value.detach().item()
    return tensor_to_numpy(value, copy=True)


def to_numpy(value: Any, param: str, owner: str, *, copy: bool = False) -> np.ndarray:
    """Convert numpy arrays, torch tensors (any device, requiring grad or not) and array-likes.

    Lists and other non-array inputs are refused with an InvalidTypeError: silently guessing the
    structure of nested lists is how data gets lost.
    """
    if isinstance(value, np.ndarray):
        arr = value
    elif is_tensor(value):
        arr = tensor_to_numpy(value, param, owner, copy=copy)
        value = None  # already owned when a copy was asked for
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
