"""A contract case: how to build one media object and how to check its files by decoding them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], Any]  # returns a fresh media object (a Loggable) each call
    check: Callable[[dict[str, Any], Path], None]  # decodes the written files, asserts content
