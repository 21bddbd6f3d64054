"""TensorBoard event files: TFRecord framing with masked CRC32C, written and read without TensorFlow.

A record is ``uint64 length | uint32 masked_crc(length) | data | uint32 masked_crc(data)`` (all
little-endian), where ``masked_crc(x) = rotr15(crc32c(x)) + 0xa282ead8``; ``data`` is a serialized
``tensorboard.compat.proto.event_pb2.Event``. The CRC is computed by ``google-crc32c`` (C, ~0.3 µs a
record) rather than TensorBoard's pure-Python fallback. The first event of a file carries
``file_version = "brain.Event:2"`` (so readers purge steps only on a restart marker, never on an
out-of-order step), as TensorFlow's writers do.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._optional import require
from ..errors import TransportError

__all__ = [
    "EventWriter",
    "TensorBoardWarning",
    "event_files",
    "masked_crc",
    "read_events",
    "read_records",
]

FILE_VERSION = "brain.Event:2"
_MASK_DELTA = 0xA282EAD8
_LEN = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_counter = [0]


class TensorBoardWarning(UserWarning):
    """Something in a run or a logdir has no faithful TensorBoard/mediatypes form; it was skipped."""


def _crc32c() -> Any:
    return require("google_crc32c", "TensorBoard event files").value


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    crc = _crc32c()(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def event_pb2() -> Any:
    """``tensorboard.compat.proto.event_pb2`` (the optional ``tensorboard`` extra)."""
    return require("tensorboard.compat.proto.event_pb2", "TensorBoard event files")


class EventWriter:
    """Appends framed events to a new ``events.out.tfevents.*`` file in ``folder``.

    Records go into a buffer and reach the file on :meth:`flush` (call it after each batch) and
    :meth:`close`; a record is never split across two writes' worth of state, so a reader sees
    whole records plus at most one truncated tail.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        wall_time: float | None = None,
        temporary: bool = False,
    ) -> None:
        self._crc = _crc32c()
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(
                f"cannot create the TensorBoard folder {self.folder}: {exc}"
            ) from exc
        _counter[0] += 1
        now = time.time() if wall_time is None else wall_time
        name = f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}.{_counter[0]}"
        self.final = self.folder / name
        # a temporary name has no "tfevents" in it: TensorBoard ignores the file until commit()
        self.path = (
            self.folder / f".tmp-{name.replace('tfevents', 'tfev')}.part"
            if temporary
            else self.final
        )
        try:
            self._fh: Any = open(self.path, "xb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise TransportError(f"cannot create the event file {self.path}: {exc}") from exc
        self._buf: list[bytes] = []
        self.records = 0
        ev = event_pb2().Event(wall_time=now, file_version=FILE_VERSION)
        self.write(ev.SerializeToString())
        self.flush()

    def _masked(self, data: bytes) -> int:
        crc = self._crc(data)
        return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF

    def write(self, data: bytes) -> None:
        """Queue one serialized ``Event``."""
        head = _LEN.pack(len(data))
        self._buf.append(
            head + _CRC.pack(self._masked(head)) + data + _CRC.pack(self._masked(data))
        )
        self.records += 1

    def flush(self) -> None:
        """Write the queued records to the file (one write call)."""
        if not self._buf:
            return
        data = b"".join(self._buf)
        self._buf.clear()
        try:
            self._fh.write(data)
            self._fh.flush()
        except OSError as exc:
            raise TransportError(f"cannot write the event file {self.path}: {exc}") from exc

    def commit(self) -> Path:
        """Close, then give a temporary file its final name; return that path."""
        self.close()
        if self.path != self.final:
            os.replace(self.path, self.final)
            self.path = self.final
        return self.final

    def discard(self) -> None:
        """Close and remove the file (a failed export leaves nothing behind)."""
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def close(self) -> None:
        if self._fh.closed:
            return
        try:
            self.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise TransportError(f"cannot write the event file {self.path}: {exc}") from exc
        finally:
            self._fh.close()


def read_records(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """The record payloads of one event file, each checked against its CRCs.

    A truncated last record (a writer still running, or killed) ends the file with a
    :class:`TensorBoardWarning`; a CRC mismatch or a missing file is a :class:`TransportError`
    naming the file and the offset.
    """
    crc = _crc32c()
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TransportError(f"cannot read the event file {p}: {exc}") from exc

    def check(part: bytes, stored: bytes, offset: int, what: str) -> None:
        c = crc(part)
        masked = ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF
        if masked != _CRC.unpack(stored)[0]:
            raise TransportError(
                f"the event file {p} is corrupt: the {what} CRC of the record at byte {offset} "
                f"does not match (damaged or not a TensorBoard event file)."
            )

    pos, end = 0, len(data)
    while pos < end:
        if end - pos < 12:
            _truncated(p, pos)
            return
        head = data[pos : pos + 8]
        check(head, data[pos + 8 : pos + 12], pos, "length")
        (n,) = _LEN.unpack(head)
        if end - pos < 16 + n:
            _truncated(p, pos)
            return
        body = data[pos + 12 : pos + 12 + n]
        check(body, data[pos + 12 + n : pos + 16 + n], pos, "data")
        yield body
        pos += 16 + n


def _truncated(path: Path, offset: int) -> None:
    warnings.warn(
        f"{path}: the last record (from byte {offset}) is incomplete (a writer still running or "
        f"killed); read the complete records before it.",
        TensorBoardWarning,
        stacklevel=3,
    )


def read_events(path: str | os.PathLike[str]) -> Iterator[Any]:
    """``Event`` protos of one event file (see :func:`read_records`)."""
    event_cls = event_pb2().Event
    for i, body in enumerate(read_records(path)):
        try:
            yield event_cls.FromString(body)
        except Exception as exc:  # protobuf's DecodeError: the CRC matched, the payload is no Event
            raise TransportError(
                f"the event file {path}: record {i} is not a TensorBoard Event ({exc})."
            ) from exc


def event_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The event files directly in ``folder``, in the order TensorBoard reads them (by name)."""
    return sorted(p for p in Path(folder).iterdir() if "tfevents" in p.name and p.is_file())
