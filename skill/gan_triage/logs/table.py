"""Per-epoch sums of every logged quantity: the only state a reader keeps.

Memory grows with the number of epochs times the number of logged names, never
with the number of steps, so a log of millions of steps is read in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .columns import is_epoch_name, is_step_name


@dataclass
class EpochTable:
    """Running sum and count of each name within each epoch."""

    # epoch -> name -> [sum, count]
    sums: dict[float, dict[str, list[float]]] = field(default_factory=dict)
    # Every name seen, in the order first seen.
    names: dict[str, None] = field(default_factory=dict)
    # Set only by the tail reader (``tail.py``), which sums just the last
    # epochs: per name, the count of earlier epochs with a value that it left
    # out, and the first epoch in the log with a D or G loss value.
    skipped: dict[str, int] = field(default_factory=dict)
    first_epoch: float | None = None
    # Names read as a record's epoch or step, and names seen only with text,
    # true/false or null values. Both are kept so that the errors for --d-col
    # and --g-col can explain why such a name is not a loss column.
    index_names: dict[str, None] = field(default_factory=dict)
    text_names: dict[str, None] = field(default_factory=dict)

    def add(self, epoch: float, name: str, total: float, count: int) -> None:
        row = self.sums.get(epoch)
        if row is None:
            row = self.sums[epoch] = {}
        cell = row.get(name)
        if cell is None:
            row[name] = [total, count]
            self.names.setdefault(name, None)
        else:
            cell[0] += total
            cell[1] += count

    def epochs(self) -> list[float]:
        return sorted(self.sums)

    def epoch_count(self, name: str) -> int:
        """Count the epochs of the whole log in which ``name`` was logged."""
        return len(self.means(name)) + self.skipped.get(name, 0)

    def means(self, name: str) -> list[tuple[float, float]]:
        """Return ``(epoch, mean)`` for each epoch in which ``name`` was logged."""
        result = []
        for epoch in self.epochs():
            cell = self.sums[epoch].get(name)
            if cell is not None and cell[1]:
                result.append((epoch, cell[0] / cell[1]))
        return result


@dataclass
class EpochAssigner:
    """Decide which epoch a record belongs to.

    In order: the record's own epoch; else the last epoch seen in an earlier
    record (loggers often write the epoch on only some records); else
    ``steps_per_epoch`` applied to the step (or to the record's position when no
    step is logged); else each step, or each record, counts as one epoch.
    """

    steps_per_epoch: int | None = None
    last_epoch: float | None = None
    # How the epoch of at least one record was decided, for the warnings.
    used_steps_per_epoch: bool = False
    used_record_as_epoch: bool = False

    def assign(self, epoch: float | None, step: float | None, index: int) -> float:
        """Return the epoch of a record; a fractional epoch counts as its floor.

        A NaN or infinite epoch is treated as missing.
        """
        if epoch is not None and math.isfinite(epoch):
            epoch = float(math.floor(epoch))
            self.last_epoch = epoch
            return epoch
        if self.last_epoch is not None:
            return self.last_epoch
        position = step if step is not None else index
        if self.steps_per_epoch:
            self.used_steps_per_epoch = True
            return float(int(position) // self.steps_per_epoch)
        self.used_record_as_epoch = True
        return float(position)


def split_record(
    values: Mapping[str, float],
    index_names: dict[str, None] | None = None,
) -> tuple[float | None, float | None, dict[str, float]]:
    """Take the epoch and step out of one record's values.

    The names taken are added to ``index_names`` when it is given.
    """
    epoch: float | None = None
    step: float | None = None
    rest: dict[str, float] = {}
    for name, value in values.items():
        if epoch is None and is_epoch_name(name):
            epoch = value
        elif step is None and is_step_name(name):
            step = value
        else:
            rest[name] = value
            continue
        if index_names is not None:
            index_names[name] = None
    return epoch, step, rest


def add_record(
    table: EpochTable,
    assigner: EpochAssigner,
    values: Mapping[str, float],
    index: int,
) -> None:
    """Add one record (a JSON line, a console line, one TensorBoard step)."""
    epoch, step, rest = split_record(values, table.index_names)
    if not rest:
        return
    key = assigner.assign(epoch, step, index)
    for name, value in rest.items():
        table.add(key, name, value, 1)
