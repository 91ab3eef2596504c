"""Find a last line that a crash cut off, so the readers can stop before it.

A run that crashes while its logger writes a line leaves that line without
its line break and, most often, without its last cells or its closing brace.
Such a line is skipped with a warning, and the report is built from the lines
before it. Only the file's last line qualifies. A damaged line with a line
break after it is still an error, because a crash leaves nothing after the
line it cut.

Logs that end with a line break cost one 1-byte read here. Only when a cut
line is found are the bytes before it counted once, for its line number.

NOTE: a CSV row cut inside its last cell still has every cell, so it is read
as it is and its last value may be short.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import chunks
from .delimited import Header

# A check returns why a line cannot be a whole record, or None when it can.
DamageCheck = Callable[[str], "str | None"]
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CutLine:
    """A last line, without a line break, that cannot be a whole record."""

    # Byte offset where the line starts: the readers stop here.
    start: int
    number: int
    # The damage found, as the end of a sentence: "is not valid JSON".
    reason: str

    def warning(self, origin: str) -> str:
        return (
            f"{origin}: line {self.number} looks cut off (the run may have crashed); "
            f"it was skipped, because it ends without a line break and {self.reason}"
        )


def jsonl_damage(text: str) -> str | None:
    """Return why a JSON Lines line cannot be a whole record, or None."""
    if not text.strip():
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return "is not valid JSON"
    return None


def delimited_damage(header: Header) -> DamageCheck:
    """Return a check that finds a CSV/TSV row with fewer cells than ``header``."""
    width = len(header.names)

    def check(text: str) -> str | None:
        row = text.rstrip("\r")
        if not row.strip():
            return None
        cells = next(csv.reader([row], delimiter=header.delimiter))
        if len(cells) < width:
            return f"has {len(cells)} of the header's {width} fields"
        return None

    return check


def _last_line_start(stream: BinaryIO, size: int) -> int | None:
    """Return where an unterminated last line starts, or None.

    None also covers a file that ends with a line break, and a last line
    longer than one block, which the forward reader reports on its own.
    """
    if size == 0:
        return None
    stream.seek(size - 1)
    if stream.read(1) == b"\n":
        return None
    block_start = max(0, size - chunks.BLOCK_BYTES)
    stream.seek(block_start)
    block = stream.read(size - block_start)
    newline = block.rfind(b"\n")
    if newline < 0:
        # The whole file is one line, or its last line fills the block.
        return None
    return block_start + newline + 1


def _reason(raw: bytes, damage: DamageCheck) -> str | None:
    if b"\x00" in raw:
        # Binary content gets the forward reader's error, with its offset.
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    return damage(text)


def _count_lines_before(stream: BinaryIO, start: int) -> tuple[int, bool]:
    """Count the line breaks before ``start`` and tell whether any text is there."""
    stream.seek(0)
    breaks = 0
    has_text = False
    position = 0
    while position < start:
        block = stream.read(min(chunks.BLOCK_BYTES, start - position))
        if position == 0:
            block = block.removeprefix(BOM)
        position = stream.tell()
        breaks += block.count(b"\n")
        has_text = has_text or bool(block.strip())
    return breaks, has_text


def find_cut_line(path: Path, damage: DamageCheck) -> CutLine | None:
    """Return the log's last line when a crash seems to have cut it off.

    That is a last line without a line break which ``damage`` (or UTF-8
    decoding) finds broken. The first line with text is never returned,
    because nothing would be left to report.
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        start = _last_line_start(stream, size)
        if start is None:
            return None
        stream.seek(start)
        reason = _reason(stream.read(size - start), damage)
        if reason is None:
            return None
        breaks, has_text = _count_lines_before(stream, start)
    if not has_text:
        return None
    return CutLine(start=start, number=breaks + 1, reason=reason)
