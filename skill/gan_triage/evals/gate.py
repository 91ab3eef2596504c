"""The CI gate: fail when accuracy drops below the committed baseline.

The baseline is JSON, ``{"accuracy": {"real/expert": 0.8, ...}}``, keyed by
set and reading as in the summary. It is checked against the summary's
``accuracy``, which in a model run is the model's own (fallbacks count as
wrong), so a run the rule engine answered cannot pass a model baseline.
Raising a baseline is a deliberate commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError


def load_baseline(path: Path) -> dict[str, float]:
    if not path.is_file():
        raise InputError(f"{path}: baseline file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: invalid JSON: {error}") from None
    accuracy = data.get("accuracy") if isinstance(data, dict) else None
    if not isinstance(accuracy, dict) or not all(
        isinstance(value, (int, float)) for value in accuracy.values()
    ):
        raise InputError(
            f'{path}: expected {{"accuracy": {{"real/expert": 0.8, ...}}}} '
            "with numbers between 0 and 1"
        )
    return {str(key): float(value) for key, value in accuracy.items()}


def gate_failures(summary: dict[str, Any], baseline: dict[str, float]) -> list[str]:
    """Describe each set/reading whose accuracy fell below its baseline."""
    failures = []
    for group, floor in sorted(baseline.items()):
        entry = summary["accuracy"].get(group)
        if entry is None or entry["accuracy"] is None:
            failures.append(f"{group}: no scored trials; baseline {floor:.4f}")
            continue
        if entry["accuracy"] < floor:
            failures.append(
                f"{group}: accuracy {entry['accuracy']:.4f} "
                f"({entry['correct']}/{entry['scored']}) is below the baseline "
                f"{floor:.4f}"
            )
    return failures
