"""eval compare: which trials count as changed between two runs."""

from __future__ import annotations

from typing import Any

from gan_triage.evals.compare import changed_trials


def record(source: str, predicted: str = "d_wins") -> dict[str, Any]:
    return {
        "id": "real/report-13/expert",
        "label": "d_wins",
        "predicted": predicted,
        "fix_slug": "spectral_norm",
        "source": source,
        "scores": {"mode_label": {"value": True}},
    }


def test_fallback_counts_as_change() -> None:
    # Same final answer, but from the rule engine instead of the model: the
    # model's accuracy dropped on this trial, so the comparison lists it.
    changes = changed_trials([record("model")], [record("rules")])

    assert len(changes) == 1
    assert changes[0]["before"][3] == "model"
    assert changes[0]["after"][3] == "rules"


def test_identical_trials_unchanged() -> None:
    assert changed_trials([record("model")], [record("model")]) == []
