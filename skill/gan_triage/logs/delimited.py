"""Read CSV and TSV logs with a header row, in blocks, into per-epoch sums.

The common case (no quoting, every row as wide as the header) has no Python
loop over rows. A block's lines are joined and split into one flat list of
fields, and each column read is a stride slice of that list. Each run of rows
with the same epoch is then summed with ``sum(map(float, ...))``. Blocks with
quotes take the ``csv`` module's path, and runs with empty cells (a PyTorch
Lightning ``metrics.csv`` logs D and G on different rows) or text cells are
summed cell by cell. ``bench/README.md`` compares the speed with pandas.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby, repeat
from pathlib import Path

from ..errors import InputError
from .chunks import read_blocks, read_lines
from .columns import is_epoch_name, is_step_name
from .table import EpochAssigner, EpochTable


@dataclass(frozen=True)
class Header:
    """The header row: column names, the delimiter and the header's line number."""

    names: list[str]
    delimiter: str
    line: int


def _split_header(text: str, delimiter: str) -> list[str]:
    return [name.strip() for name in next(csv.reader([text], delimiter=delimiter))]


def read_header(path: Path) -> Header:
    """Read the first non-blank line as the header row.

    The delimiter is a tab for ``.tsv`` files and for headers that contain
    tabs but no commas, otherwise a comma.
    """
    for number, raw in read_lines(path):
        line = raw.strip("\r\ufeff")
        if not line.strip():
            continue
        tabbed = "\t" in line and "," not in line
        delimiter = "\t" if path.suffix.lower() == ".tsv" or tabbed else ","
        return Header(_split_header(line, delimiter), delimiter, number)
    raise InputError(f"{path}: the log is empty; expected a header row and data rows")


@dataclass
class _Rows:
    """One block's data rows, split into columns."""

    # Column index -> cells, for the columns that are read.
    columns: dict[int, list[str]]
    count: int
    # Line number of each row, for error messages.
    first_line: int
    line_numbers: list[int] | None

    def line(self, row: int) -> int:
        if self.line_numbers is None:
            return self.first_line + row
        return self.line_numbers[row]


class DelimitedReader:
    """Stream the data rows of one CSV/TSV log into an EpochTable.

    Rows are read up to byte ``end`` when it is given. Every row read must be
    as wide as the header, so a row cut off by a crash must lie past ``end``.
    """

    def __init__(
        self, path: Path, header: Header, wanted: list[str], end: int | None = None
    ) -> None:
        self.path = path
        self.end = end
        self.header = header
        self.width = len(header.names)
        index = {name: i for i, name in reversed(list(enumerate(header.names)))}
        self.value_columns = [(name, index[name]) for name in dict.fromkeys(wanted)]
        self.epoch_column = next(
            (i for i, name in enumerate(header.names) if is_epoch_name(name)), None
        )
        self.step_column = next(
            (i for i, name in enumerate(header.names) if is_step_name(name)), None
        )
        self.rows_read = 0
        indexes = [column for _, column in self.value_columns]
        indexes += [i for i in (self.epoch_column, self.step_column) if i is not None]
        self.read_columns = sorted(set(indexes))

    def read(self, table: EpochTable, assigner: EpochAssigner) -> None:
        for lines, first_line, quoted in self._blocks():
            rows = self._split(lines, first_line, quoted)
            if rows is None:
                continue
            self._add(rows, table, assigner)

    def _blocks(self) -> Iterator[tuple[list[str], int, bool]]:
        """Yield each block's lines, its first line number and whether it has quotes."""
        for block in read_blocks(self.path, end=self.end):
            text = block.text
            if "\r" in text:
                text = text.replace("\r", "")
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            first_line = block.first_line
            if first_line <= self.header.line:
                skip = self.header.line - first_line + 1
                lines = lines[skip:]
                first_line += skip
            if lines:
                yield lines, first_line, '"' in text

    def _split(self, lines: list[str], first_line: int, quoted: bool) -> _Rows | None:
        line_numbers = None
        if "" in lines:
            line_numbers = [first_line + i for i, line in enumerate(lines) if line]
            lines = [line for line in lines if line]
            if not lines:
                return None
        delimiter = self.header.delimiter
        if quoted:
            return self._split_quoted(lines, first_line, line_numbers)
        counts = set(map(str.count, lines, repeat(delimiter)))
        if counts != {self.width - 1}:
            for row, line in enumerate(lines):
                if line.count(delimiter) != self.width - 1:
                    rows = _Rows({}, 0, first_line, line_numbers)
                    self._ragged(rows.line(row), line.count(delimiter) + 1)
        fields = delimiter.join(lines).split(delimiter)
        columns = {i: fields[i :: self.width] for i in self.read_columns}
        return _Rows(columns, len(lines), first_line, line_numbers)

    def _split_quoted(
        self, lines: list[str], first_line: int, line_numbers: list[int] | None
    ) -> _Rows:
        parsed = list(csv.reader(lines, delimiter=self.header.delimiter))
        rows = _Rows({}, len(parsed), first_line, line_numbers)
        for row, cells in enumerate(parsed):
            if len(cells) != self.width:
                self._ragged(rows.line(row), len(cells))
        rows.columns = {i: [cells[i] for cells in parsed] for i in self.read_columns}
        return rows

    def _ragged(self, line: int, found: int) -> None:
        raise InputError(
            f"{self.path}: line {line} has {found} fields but the header (line "
            f"{self.header.line}) has {self.width}; every row needs one value per "
            "column, empty cells included"
        )

    def _add(self, rows: _Rows, table: EpochTable, assigner: EpochAssigner) -> None:
        count = rows.count
        for key, start, length in self._runs(rows, assigner, count):
            stop = start + length
            for name, column in self.value_columns:
                cells = rows.columns[column][start:stop]
                try:
                    total = sum(map(float, cells))
                    found = length
                except ValueError:
                    total, found = self._sum_sparse(rows, name, column, start, stop)
                if found:
                    table.add(key, name, total, found)
        self.rows_read += count

    def _runs(
        self, rows: _Rows, assigner: EpochAssigner, count: int
    ) -> Iterator[tuple[float, int, int]]:
        """Yield ``(epoch, first_row, row_count)`` for each run of rows in one epoch."""
        start = 0
        if self.epoch_column is None:
            epochs = self._assigned_epochs(rows, assigner, count)
            for epoch, same_epoch in groupby(epochs):
                length = len(list(same_epoch))
                yield epoch, start, length
                start += length
            return
        for cell, same_cell in groupby(rows.columns[self.epoch_column]):
            length = len(list(same_cell))
            number = self._number(cell, "epoch", rows.line(start))
            yield assigner.assign(number, None, self.rows_read + start), start, length
            start += length

    def _assigned_epochs(
        self, rows: _Rows, assigner: EpochAssigner, count: int
    ) -> list[float]:
        steps: list[float | None] = [None] * count
        if self.step_column is not None:
            for row, cell in enumerate(rows.columns[self.step_column]):
                steps[row] = self._number(cell, "step", rows.line(row))
        return [
            assigner.assign(None, step, self.rows_read + row)
            for row, step in enumerate(steps)
        ]

    def _number(self, cell: str, name: str, line: int) -> float | None:
        text = cell.strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise InputError(
                f"{self.path}: line {line}: {name} is {cell!r}; expected a number "
                "or an empty cell"
            ) from None

    def _sum_sparse(
        self, rows: _Rows, name: str, column: int, start: int, stop: int
    ) -> tuple[float, int]:
        total = 0.0
        found = 0
        cells = rows.columns[column]
        for row in range(start, stop):
            value = self._number(cells[row], name, rows.line(row))
            if value is not None:
                total += value
                found += 1
        return total, found
