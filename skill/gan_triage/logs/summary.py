"""Turn per-epoch means into the report's fields: trend strings and window means.

A trend string lists every epoch of the window at 4 significant digits, then
the window and the direction in brackets, for example
``"0.0269, 0.00488, 0.00209 (last 3 epochs of 150, decreasing)"``. The
direction is the one ``parse_trend`` reads from those same printed numbers, so
the string and the parsed trend can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..trend import parse_trend
from .columns import ColumnMap, Role
from .table import EpochTable

# The default window. The five-mode rules judge "the last 10 epochs", and ten
# per-epoch means are few enough to quote in a [triage] block.
DEFAULT_WINDOW = 10

ROLE_LABELS: dict[Role, str] = {
    "d": "D loss",
    "g": "G loss",
    "d_x": "D(x)",
    "d_g_z": "D(G(z))",
    "acc_real": "D accuracy on real",
    "acc_fake": "D accuracy on fake",
    "acc": "D accuracy",
}
# Report field for each D output column, and the largest mean it may have:
# accuracies may be logged in percent; D(x) and D(G(z)) are probabilities.
FRACTION_FIELDS: dict[Role, tuple[str, float]] = {
    "acc_real": ("d_accuracy_on_real", 100.0),
    "acc_fake": ("d_accuracy_on_fake", 100.0),
    "d_x": ("d_x", 1.0),
    "d_g_z": ("d_g_z", 1.0),
}


def format_value(value: float) -> str:
    """Write a loss value at 4 significant digits; NaN and infinities as words."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def _epoch_label(epoch: float) -> str:
    return str(int(epoch)) if epoch.is_integer() else format_value(epoch)


@dataclass
class Summary:
    """The report fields derived from a log, and warnings about how."""

    fields: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def trend_text(values: list[float], total: int) -> str:
    """Write the last epochs' means as a trend string ending in its direction."""
    numbers = ", ".join(format_value(value) for value in values)
    noun = "epoch" if len(values) == 1 else "epochs"
    direction = parse_trend(numbers).direction
    suffix = "" if direction == "unknown" else f", {direction}"
    return f"{numbers} (last {len(values)} {noun} of {total}{suffix})"


def _loss_trend(
    table: EpochTable, name: str, role: Role, window: int, origin: str
) -> tuple[str, list[str]]:
    means = table.means(name)
    recent = means[-window:]
    warnings = []
    bad = [epoch for epoch, value in recent if not math.isfinite(value)]
    if bad:
        labels = ", ".join(_epoch_label(epoch) for epoch in bad)
        noun = "epoch" if len(bad) == 1 else "epochs"
        warnings.append(
            f"{origin}: {ROLE_LABELS[role]} ({name}) is nan or inf in {len(bad)} of "
            f"the last {len(recent)} epochs ({noun} {labels}); training diverged "
            "or a value overflowed"
        )
    total = table.epoch_count(name)
    return trend_text([value for _, value in recent], total), warnings


def _window_mean(table: EpochTable, name: str, window: int) -> float | None:
    recent = [value for _, value in table.means(name)[-window:]]
    finite = [value for value in recent if math.isfinite(value)]
    if not finite:
        return None
    return float(format_value(sum(finite) / len(finite)))


def _overall_accuracy_warning(
    table: EpochTable, columns: ColumnMap, origin: str
) -> str | None:
    """Describe D's accuracy on real and fake together, which no report field holds.

    The rules need the real and fake accuracies apart, so the overall one is
    only shown: its last epoch's mean, in percent.
    """
    name = columns.chosen.get("acc")
    means = [] if name is None else table.means(name)
    if not means:
        return None
    epoch, value = means[-1]
    # Keras returns a fraction, but some loggers already print a percentage.
    percent = value * 100 if abs(value) <= 1 else value
    return (
        f"{origin}: D accuracy on real and fake together ({name}) is "
        f"{format_value(percent)}% in the last epoch ({_epoch_label(epoch)}); the "
        "report holds only accuracies on real and on fake apart, so it is left out"
    )


def _epochs_trained(table: EpochTable, names: list[str]) -> int | None:
    """Return the last epoch number, counted from 1 even when the log counts from 0."""
    epochs = [
        epoch
        for epoch, row in table.sums.items()
        if any(name in row for name in names) and math.isfinite(epoch)
    ]
    if not epochs:
        return None
    first, last = min(epochs), max(epochs)
    if table.first_epoch is not None:
        first = min(first, table.first_epoch)
    return int(last) + (1 if first == 0 else 0)


def summarize(
    table: EpochTable, columns: ColumnMap, window: int, origin: str
) -> Summary:
    """Build the report fields from the chosen columns of ``table``."""
    summary = Summary(warnings=list(columns.warnings))
    loss_names = [columns.chosen[role] for role in ("d", "g") if role in columns.chosen]
    longest = max(table.epoch_count(name) for name in loss_names)
    if longest == 0:
        raise InputError(
            f"{origin}: the columns {', '.join(loss_names)} hold no values; "
            "expected at least one epoch with a D or G loss"
        )
    if longest < window:
        summary.warnings.append(
            f"{origin}: only {longest} epochs logged, fewer than the window of "
            f"{window}; the trends cover all of them"
        )

    loss_fields: tuple[tuple[Role, str], ...] = (
        ("d", "d_loss_trend"),
        ("g", "g_loss_trend"),
    )
    for role, key in loss_fields:
        name = columns.chosen.get(role)
        if name is None or not table.means(name):
            summary.fields[key] = "not reported"
            summary.warnings.append(
                f"{origin}: no {ROLE_LABELS[role]} values found; {key} is "
                '"not reported"'
            )
            continue
        text, warnings = _loss_trend(table, name, role, window, origin)
        summary.fields[key] = text
        summary.warnings.extend(warnings)

    for role, (key, limit) in FRACTION_FIELDS.items():
        name = columns.chosen.get(role)
        mean = None if name is None else _window_mean(table, name, window)
        if mean is None:
            continue
        if 0 <= mean <= limit:
            summary.fields[key] = mean
        else:
            summary.warnings.append(
                f"{origin}: {ROLE_LABELS[role]} ({name}) averages {mean}, outside "
                f"0-{limit:g}, so it is not a probability (a WGAN critic's raw "
                f"score?); {key} left out"
            )
    accuracy = _overall_accuracy_warning(table, columns, origin)
    if accuracy is not None:
        summary.warnings.append(accuracy)
    epochs = _epochs_trained(table, loss_names)
    if epochs is not None:
        summary.fields["epochs"] = epochs
    return summary
