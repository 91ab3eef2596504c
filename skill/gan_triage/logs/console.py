"""Read training output printed to a console.

Three shapes are understood, each line on its own:

- the PyTorch DCGAN tutorial's
  ``[3/25][100/1583]  Loss_D: 0.41  Loss_G: 3.12  D(x): 0.86  D(G(z)): 0.21 / 0.05``,
  where the first bracket holds the epoch (counted from 0) and ``D(G(z))``
  shows D's output on fakes before and after G's step; the first is kept,
  because it is measured on the same batch as ``Loss_D`` and ``D(x)``;
- Keras-style ``d_loss: 0.12 - g_loss: 4.3``, with the epoch taken from an
  earlier ``Epoch 3/50`` line;
- any other line of ``key=value`` or ``key: value`` pairs.

A line with a carriage return is a progress bar redrawn in place, so only the
text after the last carriage return, the bar's final state, is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from .chunks import read_lines
from .table import EpochAssigner, EpochTable, add_record

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)"

# A name starts with a letter and may hold the characters of D(G(z)), Loss/D,
# train/d_loss and d_loss.1; the value follows ":" or "=".
PAIR = re.compile(
    rf"(?<![\w(/.])([A-Za-z][\w()/.]*?)\s*[:=]\s*({NUMBER})(?![\w.])", re.IGNORECASE
)
DCGAN_PREFIX = re.compile(r"^\s*\[(\d+)/(\d+)\]\s*\[(\d+)/(\d+)\]")
EPOCH_LINE = re.compile(r"^\s*epoch\s+(\d+)\s*/\s*\d+\s*$", re.IGNORECASE)


def _number(text: str) -> float:
    lowered = text.lower()
    if "nan" in lowered:
        return math.nan
    return float(lowered)


def parse_line(line: str) -> tuple[float | None, dict[str, float]]:
    """Return the epoch a line names (or None) and its ``name: number`` pairs."""
    text = line.rsplit("\r", 1)[-1]
    epoch_line = EPOCH_LINE.match(text)
    if epoch_line:
        return float(epoch_line.group(1)), {}

    epoch = None
    prefix = DCGAN_PREFIX.match(text)
    if prefix:
        epoch = float(prefix.group(1))
        text = text[prefix.end() :]
    values: dict[str, float] = {}
    for match in PAIR.finditer(text):
        name = match.group(1)
        if name not in values:
            values[name] = _number(match.group(2))
    return epoch, values


def iter_records(path: Path) -> Iterator[tuple[float | None, dict[str, float]]]:
    """Yield ``(epoch, values)`` for each line that names an epoch or a value."""
    for _, line in read_lines(path):
        epoch, values = parse_line(line)
        if epoch is not None or values:
            yield epoch, values


def read_console(path: Path, table: EpochTable, assigner: EpochAssigner) -> None:
    """Add the values of every console line to ``table``.

    An ``Epoch N/M`` line on its own sets the epoch of the lines after it.
    """
    for index, (epoch, values) in enumerate(iter_records(path)):
        if epoch is not None and not values:
            assigner.last_epoch = epoch
            continue
        if epoch is not None:
            values = {"epoch": epoch, **values}
        add_record(table, assigner, values, index)
