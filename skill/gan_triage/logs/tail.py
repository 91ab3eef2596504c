"""Read only the start and the end of a CSV/TSV log, so its size barely matters.

The report needs the last ``window`` epochs, the number of epochs in the log
and the first epoch number. When the epoch of a row never goes down, the first
block of the file gives the first epoch. The rest is read backwards in growing
blocks until ``window + 1`` distinct epochs are seen. The earliest of them may
be cut off by a block, so its rows are dropped, and the rows of the last
``window`` epochs are summed by the forward reader's own ``DelimitedReader``.
A row's epoch is found as forwards: from the epoch column (an empty or NaN
cell carries the epoch above it), else the step column (divided by
``--steps-per-epoch`` when given), else the row's position. A position needs
the count of all rows, which ``bytes.count`` gives at C speed.

``read_tail`` returns None, and the caller reads the whole file forwards,
whenever the rows it reads are not a plain log. Examples are quotes, ragged
rows, text cells, invalid UTF-8, an epoch that goes down, epochs that do not
step evenly, an empty step cell, a chosen column with no value in some epoch
of the window, a blank line in a log without epoch and step columns, and a
tail longer than a quarter of the file. The forward reader then gives the
report, or its error message with the line number.

Rows between the first block and the tail are never read, so two things
change for them. A ragged row, a text cell or invalid UTF-8 there no longer
stops the report, because the trends quote only the last epochs, and those
rows are checked. And the epoch count ("of N epochs") assumes that the epochs
step through the unread rows as evenly as through the rows read. Sums can
differ from the forward reader's in the last bit, because the two readers
split the rows of an epoch between blocks at different places.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby, repeat
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from . import chunks
from .columns import ColumnMap
from .delimited import DelimitedReader, Header
from .table import EpochAssigner, EpochTable

logger = logging.getLogger(__name__)

# The header and the first value of each loss column must lie in this many
# bytes from the start. A Lightning metrics.csv logs both in its first rows.
HEAD_BYTES = 64 * 1024
# Backward blocks start small, so a short log is not read whole, and double
# up to the forward reader's block size. No read is larger than that size
# (``chunks.BLOCK_BYTES``), which bounds memory as in the forward reader.
TAIL_FIRST_BLOCK = 4 * 1024
# Past this share of the data rows, reading the tail first would cost more
# than it saves, because the forward reader reads the file again.
TAIL_MAX_SHARE = 0.25
BOM = b"\xef\xbb\xbf"


class Fallback(Exception):
    """The rows read are not a plain log, so the file is read forwards instead."""


@dataclass
class _Tail:
    """The last lines of a log, as read backwards."""

    # Raw bytes of whole lines in file order, each piece at most one block.
    pieces: list[bytes] = field(default_factory=list)
    line_count: int = 0
    # Distinct epochs from the last line up, and the index, within the first
    # piece, of a line of the earliest of them.
    keys: list[float] = field(default_factory=list)
    boundary: int = 0


class _TailReader:
    """Find and sum the last epochs of one CSV/TSV log."""

    def __init__(
        self,
        path: Path,
        header: Header,
        columns: ColumnMap,
        window: int,
        steps_per_epoch: int | None,
        end: int | None = None,
    ) -> None:
        self.path = path
        self.end = end
        self.reader = DelimitedReader(path, header, list(columns.chosen.values()))
        self.window = window
        self.steps_per_epoch = steps_per_epoch
        self.delimiter = header.delimiter
        self.width = self.reader.width
        index = dict(self.reader.value_columns)
        self.loss_columns = {
            columns.chosen[role]: index[columns.chosen[role]]
            for role in ("d", "g")
            if role in columns.chosen
        }
        self.key_column = self.reader.epoch_column
        if self.key_column is None:
            self.key_column = self.reader.step_column
        # Set only for a log with neither an epoch nor a step column, where
        # the epoch comes from the row's position.
        self.row_count: int | None = None

    def read(self) -> tuple[EpochTable, EpochAssigner]:
        if self.width < 2:
            raise Fallback("a header of one column")
        size = self.path.stat().st_size if self.end is None else self.end
        with self.path.open("rb") as stream:
            data_start, firsts = self._read_head(stream, size)
            if self.key_column is None:
                self.row_count = self._count_rows(stream, data_start, size)
            tail = self._read_tail(stream, data_start, size)
        return self._sum(tail, firsts)

    def _lines(self, raw: bytes) -> list[str]:
        """Decode and split whole lines, dropping blank lines as forwards."""
        if b"\x00" in raw or b'"' in raw:
            raise Fallback("a NUL byte or a quote")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Fallback("invalid UTF-8") from None
        lines = text.replace("\r", "").split("\n")
        if lines[-1] == "":
            lines.pop()
        if "" in lines:
            lines = [line for line in lines if line]
        counts = set(map(str.count, lines, repeat(self.delimiter)))
        if counts - {self.width - 1}:
            raise Fallback("a ragged row")
        return lines

    def _key_cells(self, lines: list[str]) -> list[str]:
        """Return the epoch or step cell of each line, splitting no further."""
        column = self.key_column
        if column is None:
            return [""] * len(lines)
        return [line.split(self.delimiter, column + 1)[column] for line in lines]

    def _key(self, cell: str, position: int) -> float | None:
        """Return the epoch a row states, or None when it carries the one above.

        ``position`` is the row's index among all data rows. It counts only
        when the log has neither an epoch nor a step column.
        """
        if self.key_column is None:
            step = float(position)
        else:
            try:
                number = float(cell) if cell.strip() else math.nan
            except ValueError:
                raise Fallback("a text epoch or step cell") from None
            if self.key_column == self.reader.epoch_column:
                return float(math.floor(number)) if math.isfinite(number) else None
            if not math.isfinite(number):
                raise Fallback("an empty or non-finite step cell")
            step = number
        if self.steps_per_epoch:
            return float(int(step) // self.steps_per_epoch)
        return step

    def _read_head(self, stream: BinaryIO, end: int) -> tuple[int, dict[str, float]]:
        """Find where the data rows start and the first epoch of each loss column."""
        size = min(HEAD_BYTES, chunks.BLOCK_BYTES)
        raw = stream.read(min(size, end))
        position = len(BOM) if raw.startswith(BOM) else 0
        for _ in range(self.reader.header.line):
            end = raw.find(b"\n", position)
            if end < 0:
                raise Fallback("a header beyond the first block")
            position = end + 1
        data_start = position
        whole = len(raw) if len(raw) < size else raw.rfind(b"\n") + 1
        lines = self._lines(raw[data_start:whole])

        firsts: dict[str, float] = {}
        key: float | None = None
        for row, line in enumerate(lines):
            cells = line.split(self.delimiter)
            column = self.key_column
            stated = self._key("" if column is None else cells[column], row)
            if stated is not None:
                key = stated
            if key is None:
                raise Fallback("no epoch in the first data row")
            for name, index in self.loss_columns.items():
                if name not in firsts and cells[index].strip():
                    firsts[name] = key
            if len(firsts) == len(self.loss_columns):
                return data_start, firsts
        raise Fallback("no value of each loss column in the first block")

    def _count_rows(self, stream: BinaryIO, data_start: int, end: int) -> int:
        """Count the data rows, which must have no quotes and no blank lines.

        Only one-byte ``count`` and ``in`` run over the whole file. A two-byte
        search such as ``b"\\n\\n"`` took 34 ms on the 36 MB benchmark file,
        twice as long as counting ``b"\\n"`` (Python 3.11). So a blank line, or
        one of only carriage returns, is found by the delimiter count: it has
        no delimiter, so the file has fewer than ``width - 1`` per line.
        """
        stream.seek(data_start)
        rows = 0
        delimiters = 0
        delimiter = self.delimiter.encode()
        last = b"\n"
        while stream.tell() < end:
            block = stream.read(min(chunks.BLOCK_BYTES, end - stream.tell()))
            if not block:
                break
            if b'"' in block:
                raise Fallback("a quote")
            rows += block.count(b"\n")
            delimiters += block.count(delimiter)
            last = block[-1:]
        if last != b"\n":
            rows += 1
        # NOTE: a blank line and a row with extra delimiters elsewhere cancel
        # out here, so that pair goes unnoticed.
        if delimiters != rows * (self.width - 1):
            raise Fallback("a blank or ragged line")
        return rows

    def _read_tail(self, stream: BinaryIO, data_start: int, size: int) -> _Tail:
        """Read backwards until ``window + 1`` distinct epochs are seen.

        The tail is kept as bytes, which take far less memory than the strings
        split from them.
        """
        tail = _Tail()
        for piece in read_backwards(stream, data_start, size):
            added = self._lines(piece)
            tail.pieces.insert(0, piece)
            tail.line_count += len(added)
            boundary = self._find_boundary(added, tail)
            if boundary is not None:
                tail.boundary = boundary
                return tail
        raise Fallback("last epochs that fill too much of the file")

    def _find_boundary(self, added: list[str], tail: _Tail) -> int | None:
        """Collect epochs from the last line up; return the line that completes them.

        ``added`` are the lines of the first piece of ``tail``, and
        ``tail.keys`` contains the epochs of the lines after them.
        """
        if self.row_count is not None:
            first_position = self.row_count - tail.line_count
            for row in range(len(added) - 1, -1, -1):
                key = self._key("", first_position + row)
                if self._note_key(key, tail.keys):
                    return row
            return None
        row = len(added)
        for cell, run in groupby(reversed(self._key_cells(added))):
            row -= len(list(run))
            if self._note_key(self._key(cell, 0), tail.keys):
                return row
        return None

    def _note_key(self, key: float | None, keys: list[float]) -> bool:
        """Add a new epoch to ``keys`` and return True once it has ``window + 1``."""
        if key is None or (keys and key == keys[-1]):
            return False
        if not key.is_integer():
            raise Fallback("a fractional step used as the epoch")
        if keys and key > keys[-1]:
            raise Fallback("an epoch that goes down")
        keys.append(key)
        return len(keys) == self.window + 1

    def _sum(
        self, tail: _Tail, firsts: dict[str, float]
    ) -> tuple[EpochTable, EpochAssigner]:
        """Sum the rows of the last epochs, then count the epochs not read."""
        keys = tail.keys
        check_stride(keys, self.window)

        table = EpochTable()
        assigner = EpochAssigner(steps_per_epoch=self.steps_per_epoch)
        if self.row_count is not None:
            self.reader.rows_read = self.row_count - tail.line_count + tail.boundary
        for index, piece in enumerate(tail.pieces):
            lines = self._lines(piece)
            rows = self.reader._split(
                lines[tail.boundary :] if index == 0 else lines, 1, False
            )
            if rows is None:
                raise Fallback("no data rows")
            try:
                self.reader._add(rows, table, assigner)
            except InputError as error:
                raise Fallback(str(error)) from None
        table.sums.pop(keys[self.window], None)
        if table.epochs() != sorted(keys[: self.window]):
            raise Fallback("rows outside the epochs of the window")
        for name, _ in self.reader.value_columns:
            if len(table.means(name)) != self.window:
                raise Fallback(f"no {name} value in some epoch of the window")

        count_skipped(table, keys, firsts, self.window)
        return table, assigner


def read_backwards(stream: BinaryIO, data_start: int, size: int) -> Iterator[bytes]:
    """Yield pieces of whole lines from the end of a file towards its start.

    Blocks start at ``TAIL_FIRST_BLOCK`` bytes and double up to one forward
    block. Pieces without a non-blank line are skipped. Stops, without an
    error, before the last quarter of the bytes from ``data_start`` is passed.
    """
    # The line cut by ``floor`` is dropped, so the first data row is never
    # yielded, even when the share would reach it.
    share = int(TAIL_MAX_SHARE * (size - data_start))
    floor = max(data_start + 1, size - share)
    start = size
    partial = b""
    block = min(TAIL_FIRST_BLOCK, chunks.BLOCK_BYTES)
    while start > floor:
        end = start
        start = max(floor, start - block)
        stream.seek(start)
        raw = stream.read(end - start) + partial
        block = min(2 * block, chunks.BLOCK_BYTES)
        # The bytes up to the first line break may continue a line that
        # starts before ``start``, so they wait for the next pass.
        cut = raw.find(b"\n") + 1
        partial = raw[:cut] if cut else raw
        if cut and raw[cut:].strip():
            yield raw[cut:]


def check_stride(keys: list[float], window: int) -> None:
    """Raise Fallback unless the epochs (last first) step evenly."""
    stride = keys[0] - keys[1]
    if any(keys[i] - keys[i + 1] != stride for i in range(window)):
        raise Fallback("epochs that do not step evenly")


def count_skipped(
    table: EpochTable, keys: list[float], firsts: dict[str, float], window: int
) -> None:
    """Record in ``table`` the epochs before the window and the first epoch.

    ``keys`` are the ``window + 1`` epochs read, last first, and ``firsts``
    the first epoch with a value of each loss column.
    """
    stride = keys[0] - keys[1]
    # NOTE: the count assumes the unread rows step like the rows read. The
    # forward reader counts epochs with a value, so a gap there differs.
    for name, first in firsts.items():
        span = keys[0] - first
        if first > keys[window] or span % stride:
            raise Fallback("a first epoch off the step of the last ones")
        table.skipped[name] = int(span // stride) + 1 - window
    table.first_epoch = min(firsts.values())


def read_tail(
    path: Path,
    header: Header,
    columns: ColumnMap,
    window: int,
    steps_per_epoch: int | None,
    end: int | None = None,
) -> tuple[EpochTable, EpochAssigner] | None:
    """Sum the last ``window`` epochs of a CSV/TSV log from its end.

    The log is taken to end at byte ``end`` when it is given, the start of a
    row cut off by a crash. Returns None when only the forward reader can give
    the right report.
    """
    tail = _TailReader(path, header, columns, window, steps_per_epoch, end)
    try:
        return tail.read()
    except Fallback as reason:
        logger.debug("%s: reading forwards, because of %s", path, reason)
        return None
