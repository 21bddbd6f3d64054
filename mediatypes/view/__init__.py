"""``mediatypes view``: a static, offline viewer for runs (charts, media, tables, 3-D).

``build(path, out=None)`` writes one self-contained site for a run folder (or a folder of runs):
an ``index.html`` in ``RUN/view/`` with relative links to the run's files, its data, and the
viewer's own scripts (no CDN, no network request). ``make_server`` serves it on 127.0.0.1.

>>> from mediatypes.view import build
>>> build("runs/20260101-120000-abcdef").index  # doctest: +SKIP
"""

from __future__ import annotations

from .server import make_server
from .site import BuildResult, build

__all__ = ["BuildResult", "build", "make_server"]
