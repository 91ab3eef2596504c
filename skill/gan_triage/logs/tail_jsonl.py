"""Read only the first and the last records of a JSON Lines log with epochs.

As with CSV (``tail.py``), the report needs just the last ``window`` epochs,
the first epoch and the epoch count. This reader handles the plain case only:
every record read carries a finite epoch and the same numeric names in the
same order. The first record gives the first epoch and the names, and the
file is read backwards until ``window + 1`` distinct epochs are seen. The
forward reader chooses the D and G columns among every name in the log, so
the names of the records read stand for those of the whole log.

``read_jsonl_tail`` returns None for anything else, and the caller reads the
whole file forwards. Examples are a record without an epoch, other names,
invalid JSON, an epoch that goes down or does not step evenly, and a tail
longer than a quarter of the file. Lines between the first record and the tail are never
read, so invalid JSON there no longer stops the report.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import BinaryIO

from . import chunks
from .jsonl import flatten
from .table import EpochAssigner, EpochTable, add_record, split_record
from .tail import (
    BOM,
    HEAD_BYTES,
    Fallback,
    check_stride,
    count_skipped,
    read_backwards,
)

logger = logging.getLogger(__name__)


def _parse(line: bytes, text_names: dict[str, None] | None = None) -> dict[str, float]:
    """Return a line's numeric fields as the forward reader finds them."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Fallback("invalid JSON or UTF-8") from None
    if not isinstance(data, dict):
        raise Fallback("a line that is not a JSON object")
    return dict(flatten(data, "", text_names))


class _JsonlTail:
    """Find and sum the last epochs of one JSON Lines log."""

    def __init__(self, path: Path, window: int, end: int | None = None) -> None:
        self.path = path
        self.window = window
        self.end = end
        self.names: list[str] = []

    def epoch(self, record: dict[str, float]) -> float:
        """Return a record's epoch, checking its names against the first record."""
        if list(record) != self.names:
            raise Fallback("records with different names")
        epoch, _, rest = split_record(record)
        if epoch is None or not math.isfinite(epoch) or not rest:
            raise Fallback("a record without a finite epoch or a value")
        return float(math.floor(epoch))

    def read(self) -> tuple[EpochTable, EpochAssigner]:
        size = self.path.stat().st_size if self.end is None else self.end
        with self.path.open("rb") as stream:
            data_start, first = self._read_head(stream, size)
            lines, keys = self._read_tail(stream, data_start, size)

        table = EpochTable()
        assigner = EpochAssigner()
        for line in lines:
            add_record(table, assigner, _parse(line, table.text_names), 0)
        table.sums.pop(keys[self.window], None)
        check_stride(keys, self.window)
        firsts = dict.fromkeys(table.names, first)
        count_skipped(table, keys, firsts, self.window)
        return table, assigner

    def _read_head(self, stream: BinaryIO, end: int) -> tuple[int, float]:
        """Read the first record; return where the next line starts and its epoch."""
        raw = stream.read(min(HEAD_BYTES, chunks.BLOCK_BYTES, end))
        position = len(BOM) if raw.startswith(BOM) else 0
        while True:
            end = raw.find(b"\n", position)
            if end < 0:
                raise Fallback("no whole record in the first block")
            line = raw[position:end]
            position = end + 1
            if line.strip():
                record = _parse(line)
                self.names = list(record)
                return position, self.epoch(record)

    def _read_tail(
        self, stream: BinaryIO, data_start: int, size: int
    ) -> tuple[list[bytes], list[float]]:
        """Return the lines from a record of the earliest epoch on, and the epochs.

        The epochs are the last ``window + 1``, last first. Lines stay bytes,
        which take far less memory than parsed records, and are parsed again
        when summed.
        """
        later: list[bytes] = []
        keys: list[float] = []
        for piece in read_backwards(stream, data_start, size):
            lines = [line for line in piece.split(b"\n") if line.strip()]
            for row in range(len(lines) - 1, -1, -1):
                key = self.epoch(_parse(lines[row]))
                if keys and key == keys[-1]:
                    continue
                if keys and key > keys[-1]:
                    raise Fallback("an epoch that goes down")
                keys.append(key)
                if len(keys) == self.window + 1:
                    return lines[row:] + later, keys
            later[:0] = lines
        raise Fallback("last epochs that fill too much of the file")


def read_jsonl_tail(
    path: Path, window: int, end: int | None = None
) -> tuple[EpochTable, EpochAssigner] | None:
    """Sum the last ``window`` epochs of a JSON Lines log from its end.

    The log is taken to end at byte ``end`` when it is given, the start of a
    line cut off by a crash. Returns None when only the forward reader can
    give the right report.
    """
    try:
        return _JsonlTail(path, window, end).read()
    except Fallback as reason:
        logger.debug("%s: reading forwards, because of %s", path, reason)
        return None
