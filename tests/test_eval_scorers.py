"""Scorer helpers: fix slugs from reply text, acceptable fixes, gate checks."""

from __future__ import annotations

from typing import Any

import pytest

from gan_triage.catalog import MODES
from gan_triage.evals.cases import Case, CaseInput
from gan_triage.evals.fixes import fix_slug_of
from gan_triage.evals.gate import gate_failures
from gan_triage.evals.scorers import acceptable_fixes


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Add spectral norm to every layer of D.", "spectral_norm"),
        ("Use TTUR with D at 4e-4.", "ttur"),
        ("Switch G to the non-saturating loss.", "non_saturating_loss"),
        (
            "Condition both networks on the class labels (label conditioning).",
            "label_conditioning",
        ),
    ],
)
def test_fix_from_alias(text: str, slug: str) -> None:
    assert fix_slug_of(text) == slug


def test_fix_from_catalog_text() -> None:
    text = MODES["oscillation"].fixes[1].text

    assert fix_slug_of(text) == "wgan_gp"


def test_unknown_fix_is_none() -> None:
    assert fix_slug_of("Train longer and see.") is None


def test_two_fixes_same_mode_none() -> None:
    text = "Add spectral norm, then halve D's learning rate."

    assert fix_slug_of(text, "d_wins") is None


def test_alias_inside_word_ignored() -> None:
    # "sn" is an alias of spectral norm; it must not match inside "snapshot".
    assert fix_slug_of("Take a snapshot of the weights.") is None


def case(**kwargs: Any) -> Case:
    return Case(id="c", input=CaseInput(kind="text", text="x"), **kwargs)


def test_acceptable_defaults_to_ladder() -> None:
    allowed = acceptable_fixes(case(labels={"expert": "d_wins"}), "expert")

    assert allowed == ["spectral_norm", "halve_d_lr"]


def test_acceptable_case_list_wins() -> None:
    c = case(
        labels={"expert": "d_wins"}, acceptable_fixes={"expert": ["spectral_norm"]}
    )

    assert acceptable_fixes(c, "expert") == ["spectral_norm"]


def test_acceptable_none_unlabelled() -> None:
    assert acceptable_fixes(case(labels={"expert": None}), "expert") is None


def test_gate_missing_group_fails() -> None:
    summary = {"accuracy": {}}

    failures = gate_failures(summary, {"runs/expert": 0.5})

    assert failures == ["runs/expert: no scored trials; baseline 0.5000"]


def test_gate_equal_passes() -> None:
    summary = {
        "accuracy": {"runs/expert": {"accuracy": 0.5, "correct": 1, "scored": 2}}
    }

    assert gate_failures(summary, {"runs/expert": 0.5}) == []
