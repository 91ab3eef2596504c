"""Read scalars from TensorBoard event files without TensorFlow or protobuf.

An event file is a TFRecord stream: each record is a little-endian uint64
length, a 4-byte masked CRC32C of the length, the payload and a 4-byte masked
CRC32C of the payload. Each payload is an ``Event`` protobuf. Only the fields
needed here are decoded:

- ``Event.step`` (field 2, varint) and ``Event.summary`` (field 5);
- ``Summary.value`` (field 1), with ``Value.tag`` (1) and
  ``Value.simple_value`` (2, float32), which ``torch.utils.tensorboard`` and
  TF1 write;
- ``Value.tensor`` (8), where newer writers (``tf.summary.scalar`` in TF2) put
  the scalar. From its ``TensorProto``: ``dtype`` (1), ``tensor_shape`` (2),
  ``tensor_content`` (4), ``float_val`` (5), ``double_val`` (6), ``int_val``
  (7) and ``int64_val`` (10). Tensors with any dimension, or of a non-numeric
  dtype, are skipped.

Why a reader of our own: the usual route is tensorboard's event loader, which
``tbparse`` builds on. It pulls in protobuf and, without TensorFlow installed,
checks every CRC in pure Python (tensorboard 2.21). On a million scalars
``tbparse`` took about 20 s, and decoding only these few fields with ``struct``
and byte indexing was about 15 times faster (``bench/README.md``). It also adds
no dependency.

CRCs are not checked, because a pure-Python CRC32C costs more than the decoding
itself. Damage is found instead by bounds: a record whose length runs past the
end of the file, or whose payload is not a well-formed ``Event``, stops the
read with a warning giving the record number and byte offset, and every record
before it is kept.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .columns import is_epoch_name, is_step_name
from .event_proto import CorruptEvent, parse_event
from .table import EpochAssigner, EpochTable

BLOCK_BYTES = 1024 * 1024
HEADER_BYTES = 12  # uint64 length + uint32 masked CRC of the length
FOOTER_BYTES = 4  # uint32 masked CRC of the payload

_LENGTH = struct.Struct("<Q")
_FLOAT = struct.Struct("<f")


def is_event_file(path: Path) -> bool:
    return path.is_file() and "tfevents" in path.name


def event_files(path: Path) -> list[Path]:
    """Return the event files of a run: the file itself, or those in a directory.

    Files in a directory are read in name order. TensorBoard's file names start
    with the creation time, so that is the order they were written in.
    """
    if path.is_dir():
        return sorted(
            (found for found in path.rglob("*tfevents*") if found.is_file()),
            key=lambda found: (found.name, str(found)),
        )
    return [path]


# Distinct event layouts remembered by the fast path. A run has one layout per
# tag, so this bounds memory on files with unusual tags without slowing runs.
MAX_LAYOUTS = 10_000


@dataclass
class EventFileReader:
    """Stream the scalars of one event file, noting where damage stopped it.

    Fast path: ``torch.utils.tensorboard`` and TF1 write each scalar as an event
    whose bytes, after the step, differ only in the final 4-byte float. After
    one such event is decoded in full, ``layouts`` maps its bytes between the
    step and the float (the summary framing and the tag) to the tag. Later
    events with the same bytes then need one dictionary lookup, not a decode.
    The layout bytes include every length prefix, so equal bytes always decode
    to the same structure.
    """

    path: Path
    warnings: list[str] = field(default_factory=list)
    records: int = 0
    layouts: dict[bytes, str] = field(default_factory=dict)

    def scalars(self) -> Iterator[tuple[int, str, float]]:
        """Yield ``(step, tag, value)`` for every scalar, in file order."""
        size = os.path.getsize(self.path)
        layouts = self.layouts
        unpack_float = _FLOAT.unpack_from
        with self.path.open("rb") as stream:
            data = b""
            base = 0  # file offset of data[0]
            while True:
                chunk = stream.read(BLOCK_BYTES)
                data = data + chunk if data else chunk
                position = 0
                end = len(data)
                while position + HEADER_BYTES <= end:
                    length = _LENGTH.unpack_from(data, position)[0]
                    start = position + HEADER_BYTES
                    stop = start + length
                    if base + stop + FOOTER_BYTES > size:
                        self._stop(base + position, "its length runs past the end")
                        return
                    if stop + FOOTER_BYTES > end:
                        break

                    # Fast path: wall_time (0x09, 8 bytes), then step (0x10) as
                    # a varint of 1 to 3 bytes, then a known layout.
                    if length > 14 and data[start] == 0x09 and data[start + 9] == 0x10:
                        cursor = start + 10
                        step = data[cursor]
                        cursor += 1
                        if step >= 0x80:
                            step = (step & 0x7F) | (data[cursor] & 0x7F) << 7
                            if data[cursor] >= 0x80:
                                step |= data[cursor + 1] << 14
                                cursor += 1
                            cursor += 1
                        tag = layouts.get(data[cursor : stop - 4])
                        if tag is not None and step < 1 << 21:
                            yield step, tag, unpack_float(data, stop - 4)[0]
                            self.records += 1
                            position = stop + FOOTER_BYTES
                            continue

                    try:
                        step, values = parse_event(data, start, stop)
                    except CorruptEvent as error:
                        self._stop(
                            base + position, f"it is not a valid Event ({error})"
                        )
                        return
                    self._learn_layout(data, start, stop, values)
                    for tag, value in values:
                        yield step, tag, value
                    self.records += 1
                    position = stop + FOOTER_BYTES
                data = data[position:]
                base += position
                if not chunk:
                    if data:
                        self._stop(base, "the file ends inside a record header")
                    return

    def _learn_layout(
        self, data: bytes, start: int, stop: int, values: list[tuple[str, float]]
    ) -> None:
        """Remember the layout of a one-scalar event that ends in a simple_value."""
        if len(values) != 1 or len(self.layouts) >= MAX_LAYOUTS:
            return
        if data[start] != 0x09 or data[start + 9] != 0x10 or data[stop - 5] != 0x15:
            return
        cursor = start + 10
        while data[cursor] >= 0x80:
            cursor += 1
        cursor += 1
        tag, value = values[0]
        same_bits = _FLOAT.pack(value) == data[stop - 4 : stop]
        if cursor - (start + 10) <= 3 and same_bits:
            self.layouts[data[cursor : stop - 4]] = tag

    def _stop(self, offset: int, reason: str) -> None:
        self.warnings.append(
            f"{self.path}: stopped at record {self.records + 1} (byte {offset}) "
            f"because {reason}; the file is truncated or corrupt, and the "
            f"{self.records} records before it were read"
        )


def read_events(
    path: Path, table: EpochTable, assigner: EpochAssigner, warnings: list[str]
) -> None:
    """Add the scalars of an event file, or of every event file in a directory.

    Scalars with the same step, written one after another, form one record. A
    scalar tagged ``epoch`` (PyTorch Lightning logs one) sets that record's
    epoch.
    """
    files = event_files(path)
    if not files:
        raise InputError(f"{path}: no TensorBoard event files (*tfevents*) found")
    index = 0
    for file in files:
        reader = EventFileReader(file)
        current: int | None = None
        epoch: float | None = None
        pending: list[tuple[str, float]] = []
        for step, tag, value in reader.scalars():
            if step != current:
                if pending:
                    _add_step(table, assigner, epoch, current, pending, index)
                    index += 1
                current = step
                epoch = None
                pending = []
            if is_epoch_name(tag):
                epoch = value
            elif not is_step_name(tag):
                pending.append((tag, value))
        if pending:
            _add_step(table, assigner, epoch, current, pending, index)
            index += 1
        warnings.extend(reader.warnings)


def _add_step(
    table: EpochTable,
    assigner: EpochAssigner,
    epoch: float | None,
    step: int | None,
    values: list[tuple[str, float]],
    index: int,
) -> None:
    key = assigner.assign(epoch, None if step is None else float(step), index)
    add = table.add
    for tag, value in values:
        add(key, tag, value, 1)
