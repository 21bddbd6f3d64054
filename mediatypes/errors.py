"""The one error tree of mediatypes.

Every error we raise is a ``MediaError``; each leaf also subclasses the builtin a caller would
already catch, so ``except ValueError`` keeps working::

    MediaError (Exception)
    ├── InvalidInputError (ValueError) ........ a value the caller passed is wrong
    │   ├── ShapeError ........................ wrong array rank / shape / channel count
    │   ├── NonFiniteError .................... NaN or Inf where finite numbers are required
    │   ├── LimitExceededError ................ too many rows / bins / pixels / frames
    │   ├── UnsupportedFormatError ............ a file type or format we do not handle
    │   ├── DecodeError ....................... a file or byte string that does not decode
    │   ├── UnsafePathError ................... a key or path that would leave its root
    │   └── SchemaError ....................... a manifest that fails its JSON Schema
    ├── InvalidTypeError (TypeError) .......... an argument of the wrong Python type
    ├── MediaFileNotFoundError (FileNotFoundError, InvalidInputError)
    ├── MissingDependencyError (ImportError) .. an optional extra is not installed
    ├── EncodingError (RuntimeError) .......... an encoder failed on valid input
    ├── RunError (RuntimeError) ............... misuse of a run (finished, no current run, step order)
    └── TransportError (RuntimeError) ......... a transport could not store what it was given

Messages say what was expected, what was received, and the fix, e.g.
``Image: `data` expects (H, W), (H, W, 1|3|4) or (1|3|4, H, W); got shape (5, 64, 64, 2).``
Third-party exceptions are translated at one boundary with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DecodeError",
    "EncodingError",
    "InvalidInputError",
    "InvalidTypeError",
    "LimitExceededError",
    "MediaError",
    "MediaFileNotFoundError",
    "MissingDependencyError",
    "NonFiniteError",
    "RunError",
    "SchemaError",
    "ShapeError",
    "TransportError",
    "UnsafePathError",
    "UnsupportedFormatError",
    "describe",
]


class MediaError(Exception):
    """Root of every error raised by mediatypes."""


class InvalidInputError(MediaError, ValueError):
    """A value passed by the caller is not acceptable."""


class ShapeError(InvalidInputError):
    """An array has the wrong rank, shape or channel count."""


class NonFiniteError(InvalidInputError):
    """NaN or Inf found where finite numbers are required."""


class LimitExceededError(InvalidInputError):
    """A size limit (rows, bins, pixels, frames, bytes) was exceeded."""


class UnsupportedFormatError(InvalidInputError):
    """A file type or output format that is not supported."""


class DecodeError(InvalidInputError):
    """A file or byte string could not be decoded (corrupt, truncated, or mislabelled)."""


class UnsafePathError(InvalidInputError):
    """A key or path would resolve outside the directory it must stay in."""


class SchemaError(InvalidInputError):
    """A manifest does not validate against its JSON Schema."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class InvalidTypeError(MediaError, TypeError):
    """An argument has the wrong Python type."""


class MediaFileNotFoundError(InvalidInputError, FileNotFoundError):
    """A path given as input does not exist."""


class MissingDependencyError(MediaError, ImportError):
    """An optional dependency is missing; the message carries the exact install line."""


class EncodingError(MediaError, RuntimeError):
    """An encoder failed on input that passed validation."""


class RunError(MediaError, RuntimeError):
    """A run was used wrongly (already finished, no current run, step out of order)."""


class TransportError(MediaError, RuntimeError):
    """A transport could not store or read what it was given."""


def describe(value: Any) -> str:
    """A short human description of ``value`` for error messages: type plus shape/dtype/length."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    name = type(value).__module__.split(".")[0] + "." + type(value).__qualname__
    if name.startswith("builtins."):
        name = type(value).__qualname__
    if shape is not None:
        extra = f" of shape {tuple(shape)}"
        if dtype is not None:
            extra += f" and dtype {dtype}"
        return name + extra
    if isinstance(value, (str, bytes)):
        return f"{name} {value[:40]!r}" + ("..." if len(value) > 40 else "")
    if isinstance(value, (list, tuple, dict, set)):
        return f"{name} of length {len(value)}"
    return f"{name} {value!r}" if isinstance(value, (int, float, bool)) or value is None else name
