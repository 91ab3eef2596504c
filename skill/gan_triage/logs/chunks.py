"""Read a text log in blocks of whole lines, so memory stays bounded.

Each block ends at a line break, so no line and no UTF-8 character is split
between blocks. Decoding errors and binary content are reported with the byte
offset and line number where they occur.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

# 1 MiB: large enough that per-block overhead vanishes on a 1-million-row CSV.
# The CSV reader holds one block as Python strings, about 40 times its size
# (measured on a 4-column log), so this keeps a reader near 40 MB at most.
BLOCK_BYTES = 1024 * 1024
# A longer line is not a log line; this bounds memory on a file with no line
# breaks at all.
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Block:
    """Whole lines of decoded text, and the 1-based number of the first line."""

    text: str
    first_line: int


def _reject_binary(raw: bytes, offset: int, first_line: int, path: Path) -> None:
    if b"\x00" in raw:
        position = raw.index(b"\x00")
        line = first_line + raw.count(b"\n", 0, position)
        raise InputError(
            f"{path}: binary content (a NUL byte at byte {offset + position}, line "
            f"{line}); expected a text log"
        )


def _decode(raw: bytes, offset: int, first_line: int, path: Path) -> str:
    _reject_binary(raw, offset, first_line, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + raw.count(b"\n", 0, error.start)
        raise InputError(
            f"{path}: not valid UTF-8 at byte {offset + error.start} (line {line}); "
            "save the log as UTF-8"
        ) from None


def read_blocks(
    path: Path, block_bytes: int | None = None, end: int | None = None
) -> Iterator[Block]:
    """Yield the file as blocks of whole lines, decoded from UTF-8.

    A byte-order mark at the start is dropped. Reading stops at byte ``end``
    when it is given (the start of a cut-off last line, see ``cutoff.py``).
    Raises InputError on binary content or invalid UTF-8.
    """
    block_bytes = block_bytes or BLOCK_BYTES
    with path.open("rb") as stream:
        pending = b""
        offset = 0
        line = 1
        first = True
        while True:
            size = block_bytes if end is None else min(block_bytes, end - stream.tell())
            chunk = stream.read(size) if size > 0 else b""
            data = pending + chunk
            if first:
                first = False
                if data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                    offset = 3
            if not chunk:
                if data:
                    yield Block(_decode(data, offset, line, path), line)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    _reject_binary(data, offset, line, path)
                    raise InputError(
                        f"{path}: line {line} is longer than {MAX_LINE_BYTES} bytes; "
                        "expected a text log with one record per line"
                    )
                pending = data
                continue
            whole, pending = data[:cut], data[cut:]
            yield Block(_decode(whole, offset, line, path), line)
            offset += cut
            line += whole.count(b"\n")


def read_lines(path: Path, end: int | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` pairs without the ``\\n`` ending.

    A carriage return stays in the line, because console readers keep only the
    text after the last one (a progress bar's final state). Reading stops at
    byte ``end`` when it is given.
    """
    for block in read_blocks(path, end=end):
        lines = block.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for index, line in enumerate(lines):
            yield block.first_line + index, line
