"""Read JSON Lines logs: one JSON object per line, one line per step or epoch."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from .chunks import read_lines
from .table import EpochAssigner, EpochTable, add_record


def flatten(
    data: dict[str, Any],
    prefix: str = "",
    text_names: dict[str, None] | None = None,
) -> Iterator[tuple[str, float]]:
    """Yield the numeric leaves of a record; nested keys are joined with ``/``.

    The names of other leaves (text, true/false, null, lists) are added to
    ``text_names`` when it is given.
    """
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield name, float(value)
        elif isinstance(value, dict):
            yield from flatten(value, f"{name}/", text_names)
        elif isinstance(value, str) and value.strip().lower() in NONFINITE:
            yield name, NONFINITE[value.strip().lower()]
        elif text_names is not None:
            text_names[name] = None


# Writers that cannot emit JSON's missing NaN literal often write these strings.
NONFINITE = {
    "nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "-infinity": -math.inf,
}


def iter_records(
    path: Path,
    end: int | None = None,
    text_names: dict[str, None] | None = None,
) -> Iterator[dict[str, float]]:
    """Yield each line's numeric fields; blank lines are skipped.

    Python's ``json`` module accepts the ``NaN`` and ``Infinity`` literals that
    ``json.dumps`` writes for non-finite floats, so those are read as numbers.
    Reading stops at byte ``end`` when it is given. Invalid JSON on any line
    read raises InputError, so a line cut off by a crash must lie past ``end``.
    """
    for number, line in read_lines(path, end):
        text = line.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            # Some messages end in "at" ("Unterminated string starting at"),
            # so the column is joined to the message without a second "at".
            detail = error.msg.removesuffix(" at")
            raise InputError(
                f"{path}: line {number} is not valid JSON ({detail} at column "
                f"{error.colno}); expected one JSON object per line"
            ) from None
        if not isinstance(data, dict):
            raise InputError(
                f"{path}: line {number} is a JSON {type(data).__name__}; expected "
                "one JSON object per line"
            )
        yield dict(flatten(data, "", text_names))


def read_jsonl(
    path: Path, table: EpochTable, assigner: EpochAssigner, end: int | None = None
) -> None:
    """Add every record of a JSON Lines log, up to byte ``end``, to ``table``."""
    for index, record in enumerate(iter_records(path, end, table.text_names)):
        add_record(table, assigner, record, index)
