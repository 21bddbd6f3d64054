"""charts: Vega-Lite chart presets for mediatypes (self-contained specs that render offline)."""

from __future__ import annotations

__all__: list[str] = []
