"""Event-file framing: our CRC equals TensorBoard's own, corrupt and truncated files are caught."""

from __future__ import annotations

import os

import pytest

from mediatypes.errors import TransportError
from mediatypes.tensorboard.events import (
    EventWriter,
    TensorBoardWarning,
    event_files,
    masked_crc,
    read_events,
)

from .helpers import accumulate, values


def _write(folder, n=5):
    from tensorboard.compat.proto import event_pb2

    w = EventWriter(folder, wall_time=1_700_000_000.5)
    for i in range(n):
        ev = event_pb2.Event(wall_time=1_700_000_001.0 + i, step=i)
        v = ev.summary.value.add(tag="x")
        v.tensor.dtype = 1  # DT_FLOAT
        v.tensor.float_val.append(i / 2)
        w.write(ev.SerializeToString())
    w.close()
    return w.path


def test_masked_crc_equals_tensorboards_own():
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    for data in (b"", b"a", b"\x00" * 8, os.urandom(1000)):
        assert masked_crc(data) == masked_crc32c(data)


def test_written_file_reads_back_here_and_in_tensorboard(tmp_path):
    path = _write(tmp_path / "run")
    assert event_files(tmp_path / "run") == [path]
    events = list(read_events(path))
    assert events[0].file_version == "brain.Event:2"
    assert events[0].wall_time == 1_700_000_000.5
    assert [(e.step, e.wall_time) for e in events[1:]] == [
        (i, 1_700_000_001.0 + i) for i in range(5)
    ]
    got = values(accumulate(tmp_path / "run"), "x")
    assert [(s, float(v)) for s, _, v in got] == [(i, i / 2) for i in range(5)]


def test_truncated_tail_warns_and_keeps_complete_records(tmp_path):
    path = _write(tmp_path / "run")
    data = path.read_bytes()
    path.write_bytes(data[:-7])  # a writer killed mid-record
    with pytest.warns(TensorBoardWarning, match="incomplete"):
        events = list(read_events(path))
    assert [e.step for e in events[1:]] == [0, 1, 2, 3]


def test_corrupt_record_names_the_file(tmp_path):
    path = _write(tmp_path / "run")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TransportError, match=f"{path.name}.*corrupt"):
        list(read_events(path))


def test_missing_file_and_not_an_event_file(tmp_path):
    with pytest.raises(TransportError, match="cannot read the event file"):
        list(read_events(tmp_path / "events.out.tfevents.nothing"))
    junk = tmp_path / "events.out.tfevents.junk"
    junk.write_bytes(b"this is not a tfrecord file at all")
    with pytest.raises(TransportError, match="corrupt"):
        list(read_events(junk))


def test_folder_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(TransportError, match="cannot create the TensorBoard folder"):
        EventWriter(tmp_path / "file" / "run")
