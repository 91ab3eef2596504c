"""Write one log's rows in other formats, for the log readers' tests.

The TensorBoard writer follows the TFRecord framing (length, masked CRC32C of
the length, payload, masked CRC32C of the payload) and encodes ``Event``
protobufs by hand, so the tests need neither tensorboard nor protobuf.
"""

from __future__ import annotations

import csv
import json
import struct
from collections.abc import Sequence
from pathlib import Path

RUNS = Path(__file__).parent / "data" / "runs"

# Reflected CRC-32C (Castagnoli) polynomial, as TFRecord uses.
_POLY = 0x82F63B78
_TABLE = []
for _byte in range(256):
    _crc = _byte
    for _ in range(8):
        _crc = (_crc >> 1) ^ _POLY if _crc & 1 else _crc >> 1
    _TABLE.append(_crc)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    """Encode a length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def simple_value(tag: str, value: float) -> bytes:
    return field(1, tag.encode()) + b"\x15" + struct.pack("<f", value)


def double_tensor(tag: str, value: float, content: bool = False) -> bytes:
    """A Summary.Value holding a DT_DOUBLE scalar tensor, as TF2 writers do."""
    if content:
        tensor = b"\x08\x02" + field(2, b"") + field(4, struct.pack("<d", value))
    else:
        tensor = b"\x08\x02" + field(2, b"") + field(6, struct.pack("<d", value))
    return field(1, tag.encode()) + field(8, tensor)


def event(step: int, values: Sequence[bytes], wall_time: float = 1.7e9) -> bytes:
    summary = b"".join(field(1, value) for value in values)
    return (
        b"\x09"
        + struct.pack("<d", wall_time)
        + b"\x10"
        + varint(step)
        + field(5, summary)
    )


def record(payload: bytes) -> bytes:
    length = struct.pack("<Q", len(payload))
    return (
        length
        + struct.pack("<I", masked_crc(length))
        + payload
        + struct.pack("<I", masked_crc(payload))
    )


def version_event() -> bytes:
    return b"\x09" + struct.pack("<d", 1.7e9) + field(3, b"brain.Event:2")


def write_events(path: Path, events: Sequence[bytes]) -> Path:
    path.write_bytes(record(version_event()) + b"".join(map(record, events)))
    return path


def read_run(name: str) -> list[dict[str, str]]:
    with (RUNS / f"{name}.csv").open(newline="") as stream:
        return list(csv.DictReader(stream))


# Columns of the copied runs, and the names each format's writers use.
TB_TAGS = {
    "d_loss": "Loss/D",
    "g_loss": "Loss/G",
    "d_real_mean": "D(x)",
    "d_fake_mean": "D(G(z))",
    "d_acc_real": "Accuracy/real",
    "d_acc_fake": "Accuracy/fake",
}


def run_to_events(rows: list[dict[str, str]], path: Path) -> Path:
    """One event per scalar, as torch.utils.tensorboard's add_scalar writes them."""
    events = []
    for row in rows:
        step = int(row["epoch"])
        for column, tag in TB_TAGS.items():
            events.append(event(step, [simple_value(tag, float(row[column]))]))
    return write_events(path, events)


def run_to_jsonl(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w") as stream:
        for row in rows:
            record_ = {"epoch": int(row["epoch"])}
            record_["train"] = {
                "d_loss": float(row["d_loss"]),
                "g_loss": float(row["g_loss"]),
            }
            record_["d_x"] = float(row["d_real_mean"])
            record_["d_g_z"] = float(row["d_fake_mean"])
            record_["acc_real"] = float(row["d_acc_real"])
            record_["acc_fake"] = float(row["d_acc_fake"])
            stream.write(json.dumps(record_) + "\n")
    return path


def run_to_dcgan(rows: list[dict[str, str]], path: Path) -> Path:
    """Write the PyTorch DCGAN tutorial's console lines, epochs counted from 0.

    Each epoch is printed twice with the same values, as two batches would be,
    and ``D(G(z))`` after G's step is a made-up different number that the
    reader must ignore.
    """
    total = len(rows)
    with path.open("w") as stream:
        stream.write("Starting Training Loop...\n")
        for row in rows:
            epoch = int(row["epoch"]) - 1
            for batch in (0, 50):
                stream.write(
                    f"[{epoch}/{total}][{batch}/100]\tLoss_D: {row['d_loss']}\t"
                    f"Loss_G: {row['g_loss']}\tD(x): {row['d_real_mean']}\t"
                    f"D(G(z)): {row['d_fake_mean']} / 0.5\t"
                    f"acc_real: {row['d_acc_real']}\tacc_fake: {row['d_acc_fake']}\n"
                )
    return path
