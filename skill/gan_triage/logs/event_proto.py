"""Decode the few fields of a TensorBoard ``Event`` protobuf that carry scalars.

Field numbers come from TensorFlow's ``event.proto``, ``summary.proto``,
``tensor.proto`` and ``tensor_shape.proto``. Any other field is skipped by its
wire type, so events of other kinds (graphs, images, histograms) pass through.
"""

from __future__ import annotations

import struct

_FLOAT = struct.Struct("<f")
_DOUBLE = struct.Struct("<d")
_INT32 = struct.Struct("<i")
_INT64 = struct.Struct("<q")

# TensorFlow's DataType enum values for the numeric types a scalar may have.
_DTYPE_FORMATS = {1: _FLOAT, 2: _DOUBLE, 3: _INT32, 9: _INT64}


class CorruptEvent(Exception):
    """A payload that is not a well-formed Event protobuf."""


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
    """Decode one Summary.Value; None when it contains no scalar."""
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
