"""Read scalars from TensorBoard event files without TensorFlow or protobuf.

An event file is a TFRecord stream: each record is a little-endian uint64
length, a 4-byte masked CRC32C of the length, the payload and a 4-byte masked
CRC32C of the payload. Each payload is an ``Event`` protobuf. Only the fields
needed here are decoded:

- ``Event.step`` (field 2, varint) and ``Event.summary`` (field 5);
- ``Summary.value`` (field 1), with ``Value.tag`` (1), ``Value.simple_value``
  (2, float32, written by ``torch.utils.tensorboard`` and TF1), and
  ``Value.tensor`` (8), where newer writers (``tf.summary.scalar`` in TF2) put
  the scalar: ``TensorProto`` ``dtype`` (1), ``tensor_shape`` (2),
  ``tensor_content`` (4), ``float_val`` (5), ``double_val`` (6), ``int_val``
  (7) and ``int64_val`` (10). Tensors with any dimension, or of a non-numeric
  dtype, are skipped.

Why a reader of our own: the usual route, ``tensorboard``'s event loader (which
``tbparse`` builds on), pulls in protobuf and, without TensorFlow installed,
checks every CRC in pure Python; it took about 18 s for a million scalars.
Decoding only these few fields with ``struct`` and byte indexing is more than
ten times faster (see ``bench/README.md``) and adds no dependency.

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
from .table import EpochAssigner, EpochTable, add_record

BLOCK_BYTES = 1024 * 1024
HEADER_BYTES = 12  # uint64 length + uint32 masked CRC of the length
FOOTER_BYTES = 4  # uint32 masked CRC of the payload

_LENGTH = struct.Struct("<Q")
_FLOAT = struct.Struct("<f")
_DOUBLE = struct.Struct("<d")
_INT32 = struct.Struct("<i")
_INT64 = struct.Struct("<q")

# TensorFlow's DataType enum values for the numeric types a scalar may have.
_DTYPE_FORMATS = {1: _FLOAT, 2: _DOUBLE, 3: _INT32, 9: _INT64}


class CorruptEvent(Exception):
    """A payload that is not a well-formed Event protobuf."""


def is_event_file(path: Path) -> bool:
    return path.is_file() and "tfevents" in path.name


def event_files(path: Path) -> list[Path]:
    """Return the event files of a run: the file itself, or those in a directory.

    Files in a directory are read in name order; TensorBoard's names start with
    the creation time, so that is the order they were written in.
    """
    if path.is_dir():
        return sorted(
            (found for found in path.rglob("*tfevents*") if found.is_file()),
            key=lambda found: (found.name, str(found)),
        )
    return [path]


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise CorruptEvent("varint longer than 10 bytes")


def _skip(data: bytes, position: int, wire_type: int) -> int:
    if wire_type == 0:
        return _varint(data, position)[1]
    if wire_type == 1:
        return position + 8
    if wire_type == 2:
        length, position = _varint(data, position)
        return position + length
    if wire_type == 5:
        return position + 4
    raise CorruptEvent(f"unsupported wire type {wire_type}")


def _is_scalar_shape(data: bytes, start: int, stop: int) -> bool:
    """True when a TensorShapeProto has no ``dim`` (field 2) entries."""
    position = start
    while position < stop:
        key, position = _varint(data, position)
        if key >> 3 == 2:
            return False
        position = _skip(data, position, key & 7)
    return True


def _tensor_value(data: bytes, start: int, stop: int) -> float | None:
    """Return the value of a scalar TensorProto, or None for any other tensor."""
    dtype = 0
    scalar = True
    content: tuple[int, int] | None = None
    value: float | None = None
    position = start
    while position < stop:
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if number == 1 and wire == 0:
            dtype, position = _varint(data, position)
        elif number == 2 and wire == 2:
            length, position = _varint(data, position)
            scalar = _is_scalar_shape(data, position, position + length)
            position += length
        elif number == 4 and wire == 2:
            length, position = _varint(data, position)
            content = (position, length)
            position += length
        elif number in (5, 6) and wire in (1, 2, 5):
            packed = _FLOAT if number == 5 else _DOUBLE
            if wire == 2:
                length, position = _varint(data, position)
                if length == packed.size:
                    value = packed.unpack_from(data, position)[0]
                position += length
            else:
                value = packed.unpack_from(data, position)[0]
                position += packed.size
        elif number in (7, 10) and wire in (0, 2):
            if wire == 2:
                _, position = _varint(data, position)
            raw, position = _varint(data, position)
            bits = 64 if number == 10 or raw >= 1 << 32 else 32
            value = float(raw - (1 << bits) if raw >= 1 << (bits - 1) else raw)
        else:
            position = _skip(data, position, wire)
    if position != stop:
        raise CorruptEvent("tensor runs past its length")
    fmt = _DTYPE_FORMATS.get(dtype)
    if not scalar or fmt is None:
        return None
    if content is not None:
        offset, length = content
        return float(fmt.unpack_from(data, offset)[0]) if length == fmt.size else None
    return value


def _summary_value(data: bytes, start: int, stop: int) -> tuple[str, float] | None:
    """Decode one Summary.Value; None when it holds no scalar."""
    tag = ""
    value: float | None = None
    position = start
    while position < stop:
        key = data[position]
        position += 1
        if key == 0x0A:  # tag
            length, position = _varint(data, position)
            tag = data[position : position + length].decode("utf-8", "replace")
            position += length
        elif key == 0x15:  # simple_value
            value = _FLOAT.unpack_from(data, position)[0]
            position += 4
        elif key == 0x42:  # tensor
            length, position = _varint(data, position)
            value = _tensor_value(data, position, position + length)
            position += length
        else:
            if key >= 0x80:
                key, position = _varint(data, position - 1)
            position = _skip(data, position, key & 7)
    if position != stop:
        raise CorruptEvent("summary value runs past its length")
    if value is None or not tag:
        return None
    return tag, value


def parse_event(
    data: bytes, start: int, stop: int
) -> tuple[int, list[tuple[str, float]]]:
    """Decode the step and the scalar values of one Event payload."""
    step = 0
    values: list[tuple[str, float]] = []
    position = start
    try:
        while position < stop:
            key = data[position]
            position += 1
            if key == 0x09:  # wall_time, a double
                position += 8
            elif key == 0x10:  # step
                step, position = _varint(data, position)
                if step >= 1 << 63:
                    step -= 1 << 64
            elif key == 0x2A:  # summary
                length, position = _varint(data, position)
                end = position + length
                while position < end:
                    if data[position] != 0x0A:  # Summary.value is its only field
                        raise CorruptEvent("unexpected field in Summary")
                    length, position = _varint(data, position + 1)
                    found = _summary_value(data, position, position + length)
                    if found is not None:
                        values.append(found)
                    position += length
            else:
                if key >= 0x80:
                    key, position = _varint(data, position - 1)
                position = _skip(data, position, key & 7)
    except (IndexError, struct.error) as error:
        raise CorruptEvent(str(error)) from None
    if position != stop:
        raise CorruptEvent("field runs past the end of the record")
    return step, values


@dataclass
class EventFileReader:
    """Stream the scalars of one event file, noting where damage stopped it."""

    path: Path
    warnings: list[str] = field(default_factory=list)
    records: int = 0

    def scalars(self) -> Iterator[tuple[int, str, float]]:
        """Yield ``(step, tag, value)`` for every scalar, in file order."""
        size = os.path.getsize(self.path)
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
                        self._stop(
                            base + position, "its length runs past the end of the file"
                        )
                        return
                    if stop + FOOTER_BYTES > end:
                        break
                    try:
                        step, values = parse_event(data, start, stop)
                    except CorruptEvent as error:
                        self._stop(
                            base + position, f"it is not a valid Event ({error})"
                        )
                        return
                    for tag, value in values:
                        yield step, tag, value
                    self.records += 1
                    position = stop + FOOTER_BYTES
                data = data[position:]
                base += position
                if not chunk:
                    if data:
                        self._stop(base, "the file ends inside its header")
                    return

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

    Scalars with the same step, written one after another, form one record.
    """
    files = event_files(path)
    if not files:
        raise InputError(f"{path}: no TensorBoard event files (*tfevents*) found")
    index = 0
    for file in files:
        reader = EventFileReader(file)
        current: int | None = None
        record: dict[str, float] = {}
        for step, tag, value in reader.scalars():
            if step != current:
                if record:
                    add_record(
                        table, assigner, {"step": float(current or 0), **record}, index
                    )
                    index += 1
                current = step
                record = {}
            record[tag] = value
        if record:
            add_record(table, assigner, {"step": float(current or 0), **record}, index)
            index += 1
        warnings.extend(reader.warnings)
