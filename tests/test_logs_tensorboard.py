"""TensorBoard event files, written by hand: scalars, tensors, damage."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from gan_triage.errors import InputError
from gan_triage.logs import report_from_log
from gan_triage.logs.tensorboard import EventFileReader
from log_formats import (
    double_tensor,
    event,
    field,
    record,
    simple_value,
    version_event,
    write_events,
)


def loss_events(pairs: list[tuple[float, float]]) -> list[bytes]:
    return [
        event(step, [simple_value("Loss/D", d), simple_value("Loss/G", g)])
        for step, (d, g) in enumerate(pairs, start=1)
    ]


def test_simple_values(tmp_path: Path) -> None:
    path = write_events(
        tmp_path / "events.out.tfevents.1.host",
        loss_events([(1.5, 0.5), (0.75, 2.0), (0.25, 4.0)]),
    )

    report = report_from_log(path)

    # 1.5, 0.75, 0.25, 0.5, 2 and 4 are exact in float32.
    assert report.d.values == [1.5, 0.75, 0.25]
    assert report.g.values == [0.5, 2.0, 4.0]
    assert report.epochs == 3


def test_double_tensors(tmp_path: Path) -> None:
    events = [
        event(1, [double_tensor("d_loss", 0.1), double_tensor("g_loss", 3.3)]),
        event(2, [double_tensor("d_loss", 0.2, content=True)]),
        event(2, [double_tensor("g_loss", 3.4, content=True)]),
    ]
    path = write_events(tmp_path / "events.out.tfevents.2.host", events)

    report = report_from_log(path)

    assert report.d.values == [0.1, 0.2]
    assert report.g.values == [3.3, 3.4]


def test_non_scalar_tensor_skipped(tmp_path: Path) -> None:
    # A tensor of shape [2] (a TensorShapeProto with one dim of size 2).
    shape = field(2, b"\x10\x02")
    tensor = b"\x08\x01" + field(2, shape) + field(5, struct.pack("<ff", 1, 2))
    histogram = field(1, b"d_loss") + field(8, tensor)
    events = loss_events([(0.5, 1.0)]) + [event(2, [histogram])]
    path = write_events(tmp_path / "events.out.tfevents.3.host", events)

    report = report_from_log(path)

    assert report.d.values == [0.5]


def test_epoch_tag_groups_steps(tmp_path: Path) -> None:
    # Lightning logs an "epoch" scalar beside the losses at each step.
    events = [
        event(step, [simple_value("epoch", epoch), simple_value("train/d_loss", d)])
        for step, epoch, d in [(0, 0, 1.0), (1, 0, 2.0), (2, 1, 0.5), (3, 1, 0.25)]
    ]
    events.append(event(3, [simple_value("train/g_loss", 6.0)]))
    path = write_events(tmp_path / "events.out.tfevents.4.host", events)

    report = report_from_log(path)

    # Epoch 0: (1 + 2) / 2 = 1.5; epoch 1: (0.5 + 0.25) / 2 = 0.375.
    assert report.d.values == [1.5, 0.375]
    assert report.g.values == [6.0]
    assert report.epochs == 2


def test_run_directory(tmp_path: Path) -> None:
    run = tmp_path / "version_0"
    run.mkdir()
    write_events(run / "events.out.tfevents.1.a", loss_events([(1.0, 2.0)]))
    later = [event(2, [simple_value("Loss/D", 0.5), simple_value("Loss/G", 3.0)])]
    write_events(run / "events.out.tfevents.2.a", later)

    report = report_from_log(run)

    assert report.d.values == [1.0, 0.5]


def test_truncated_file_keeps_records(tmp_path: Path) -> None:
    path = write_events(
        tmp_path / "events.out.tfevents.5.host",
        loss_events([(1.0, 2.0), (0.5, 3.0), (0.25, 4.0)]),
    )
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    # The version record, then two whole loss records.
    cut_at = len(record(version_event())) + 2 * len(record(loss_events([(1, 2)])[0]))

    report = report_from_log(path)

    assert report.d.values == [1.0, 0.5]
    assert any(
        f"stopped at record 4 (byte {cut_at})" in warning for warning in report.warnings
    )


def test_corrupt_record_keeps_records(tmp_path: Path) -> None:
    good = record(version_event()) + record(loss_events([(1.0, 2.0)])[0])
    bad = struct.pack("<Q", 6) + b"\0\0\0\0" + b"\x2a\x09garb" + b"\0\0\0\0"
    path = tmp_path / "events.out.tfevents.6.host"
    path.write_bytes(good + bad + record(loss_events([(0.5, 3.0)])[0]))

    reader = EventFileReader(path)
    scalars = list(reader.scalars())

    assert scalars == [(1, "Loss/D", 1.0), (1, "Loss/G", 2.0)]
    assert reader.records == 2
    assert f"stopped at record 3 (byte {len(good)})" in reader.warnings[0]


def test_garbage_event_file(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.7.host"
    path.write_bytes(b"\xff" * 64)

    with pytest.raises(InputError, match="stopped at record 1 \\(byte 0\\)"):
        report_from_log(path)


def test_empty_event_file(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.8.host"
    path.write_bytes(b"")

    with pytest.raises(InputError, match="empty"):
        report_from_log(path)


def test_dir_without_events(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a training log"):
        report_from_log(tmp_path)


def test_fast_path_matches_full_decode(tmp_path: Path) -> None:
    # Steps whose varints take 1, 2, 3 and 4 bytes; the first event of each
    # tag is decoded in full, later ones by the remembered layout.
    steps = [1, 200, 20_000, 3_000_000, 3_000_001]
    events = []
    for n, step in enumerate(steps, start=1):
        events.append(event(step, [simple_value("Loss/D", 0.5 * n)]))
        events.append(event(step, [simple_value("Loss/G", n)]))
    events.append(event(9_000_000, [simple_value("Loss/D", 0.25)]))
    path = write_events(tmp_path / "events.out.tfevents.9.host", events)

    scalars = list(EventFileReader(path).scalars())

    assert scalars[0::2][:5] == [
        (1, "Loss/D", 0.5),
        (200, "Loss/D", 1.0),
        (20_000, "Loss/D", 1.5),
        (3_000_000, "Loss/D", 2.0),
        (3_000_001, "Loss/D", 2.5),
    ]
    assert scalars[-1] == (9_000_000, "Loss/D", 0.25)
    assert [value for _, tag, value in scalars if tag == "Loss/G"] == [1, 2, 3, 4, 5]
