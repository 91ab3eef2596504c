"""Rule engine: every threshold from both sides, precedence, and no match.

Expected modes are worked out by hand from the mode definitions on the summed
BCE scale: D wins when D <= 0.1 with G rising or >= 5; vanishing gradient when
D < 0.05 with G > 10; mode collapse with D in 0.5-1.0 and G <= 2.5; equilibrium
with D static in 1.10-1.45 and G static in 0.65-1.05.
"""

from __future__ import annotations

from typing import Any

import pytest

from gan_triage.report import build_report
from gan_triage.rules import diagnose
from gan_triage.validate import validate_reply


def triage(
    d: str, g: str, samples: str = "", strict: bool = False, **extra: Any
) -> str:
    data = {"d_loss_trend": d, "g_loss_trend": g, "sample_notes": samples, **extra}
    return diagnose(build_report(data, "test"), strict=strict).failure


@pytest.mark.parametrize(
    ("d", "g", "expected"),
    [
        ("0.3, 0.1, 0.04", "8, 10, 11", "vanishing_gradient"),
        ("0.3, 0.1, 0.06", "8, 10, 11", "d_wins"),  # D just above 0.05
        ("0.3, 0.1, 0.04", "8, 9, 9.5", "d_wins"),  # G just below 10
        ("0.3, 0.2, 0.09", "5.5, 6, 6", "d_wins"),  # D just below 0.1
        ("0.3, 0.2, 0.11", "5.5, 6, 6", "no_match"),  # D just above 0.1
        ("0.05, 0.04, 0.04", "4.5, 4.5, 4.5", "no_match"),  # G flat below 5
        ("0.05, 0.04, 0.04", "5.1, 5.1, 5.1", "d_wins"),  # G flat above 5
        ("0.2, 0.05, 0.02", "1, 2, 3", "d_wins"),  # G rising though below 5
    ],
)
def test_d_wins_and_vanishing_thresholds(d: str, g: str, expected: str) -> None:
    assert triage(d, g, strict=True) == expected


@pytest.mark.parametrize(
    ("d", "g", "expected"),
    [
        ("0.51, 0.52, 0.51", "1.5, 1.5, 1.5", "mode_collapse"),
        ("0.49, 0.48, 0.49", "1.5, 1.5, 1.5", "no_match"),
        ("0.99, 0.98, 0.99", "1.5, 1.5, 1.5", "mode_collapse"),
        ("1.02, 1.03, 1.02", "1.5, 1.5, 1.5", "no_match"),
        ("0.8, 0.8, 0.8", "2.4, 2.4, 2.4", "mode_collapse"),
        ("0.8, 0.8, 0.8", "2.6, 2.6, 2.6", "no_match"),
    ],
)
def test_collapse_thresholds_with_samples(d: str, g: str, expected: str) -> None:
    samples = "a handful of near-identical faces whatever the noise"

    assert triage(d, g, samples, strict=True) == expected


def test_collapse_numbers_alone_need_wobbling_d() -> None:
    # With no sample notes, collapse needs D moving up and down inside 0.5-1.0
    # (three reversals here), not D sliding steadily as in the second report.
    wobbling = triage("0.6, 0.9, 0.5, 0.8, 0.5", "1.2, 1.5, 1.1, 1.4, 1.2", strict=True)
    sliding = triage("0.9, 0.85, 0.8", "1.2, 1.4, 1.5", strict=True)

    assert wobbling == "mode_collapse"
    assert sliding == "no_match"


@pytest.mark.parametrize(
    ("d", "g", "expected"),
    [
        ("1.38, 1.39, 1.38", "0.69, 0.70, 0.69", "equilibrium"),
        ("1.09, 1.09, 1.09", "0.69, 0.70, 0.69", "no_match"),
        ("1.11, 1.11, 1.11", "0.69, 0.70, 0.69", "equilibrium"),
        ("1.44, 1.44, 1.44", "0.69, 0.70, 0.69", "equilibrium"),
        ("1.46, 1.46, 1.46", "0.69, 0.70, 0.69", "no_match"),
        ("1.38, 1.39, 1.38", "0.64, 0.64, 0.64", "no_match"),
        ("1.38, 1.39, 1.38", "1.04, 1.04, 1.04", "equilibrium"),
        ("1.38, 1.39, 1.38", "1.06, 1.06, 1.06", "no_match"),
        # Span 0.2 > 0.08 x 1.386 = 0.11: D moves, so it is not static.
        ("1.2, 1.4, 1.2, 1.4", "0.69, 0.70, 0.69", "no_match"),
    ],
)
def test_equilibrium_bands(d: str, g: str, expected: str) -> None:
    assert triage(d, g, "samples look reasonable", strict=True) == expected


def test_equilibrium_follows_measured_runs() -> None:
    # Healthy measured runs sat at 1.19 / 0.79 with varied samples; the
    # triage prompt's 1.386 / 0.693 alone would call this no match.
    verdict = triage("1.19, 1.18, 1.19", "0.79, 0.79, 0.80", "samples look reasonable")

    assert verdict == "equilibrium"


def test_equilibrium_needs_good_samples() -> None:
    verdict = triage("1.38, 1.39, 1.38", "0.69, 0.70, 0.69", "pure noise", strict=True)

    assert verdict == "no_match"


def test_oscillation_needs_both_losses() -> None:
    both = triage("0.2, 1.5, 0.3, 1.6, 0.25", "3, 0.8, 4, 0.7, 3.5", strict=True)
    only_d = triage("0.2, 1.5, 0.3, 1.6, 0.25", "2, 2.1, 2, 2.1, 2", strict=True)

    assert both == "oscillation"
    assert only_d == "no_match"


def test_oscillation_swing_ratio_boundary() -> None:
    # D: steps 0.9 each, mean size 0.95, floor 1.386 -> 0.9 / 1.386 = 0.65.
    # G: steps 0.4 each around 0.9 -> 0.4 / 0.9 = 0.44 (floor 0.693 is lower).
    wide = triage("0.5, 1.4, 0.5, 1.4", "0.7, 1.1, 0.7, 1.1", strict=True)
    # G: steps 0.2 each, mean size 1.0 -> 0.2 < 0.3: G does not swing widely.
    narrow = triage("0.5, 1.4, 0.5, 1.4", "0.9, 1.1, 0.9, 1.1", strict=True)

    assert wide == "oscillation"
    assert narrow == "no_match"


def test_vanishing_before_d_wins() -> None:
    diagnosis = diagnose(
        build_report({"d_loss_trend": "0.01", "g_loss_trend": "12"}, "test")
    )
    fitting = [c.slug for c in diagnosis.candidates if c.fits]

    assert diagnosis.failure == "vanishing_gradient"
    assert fitting[:2] == ["vanishing_gradient", "d_wins"]


def test_nan_is_diverged_before_all() -> None:
    assert triage("0.3, nan", "5, nan") == "diverged"
    assert triage("0.3, nan", "5, nan", strict=True) == "no_match"


def test_exact_constants_are_frozen() -> None:
    expert = triage("1.386, 1.386, 1.386, 1.386", "0.693, 0.693, 0.693, 0.693")
    strict = triage(
        "1.386, 1.386, 1.386, 1.386", "0.693, 0.693, 0.693, 0.693", strict=True
    )

    assert expert == "frozen"
    assert strict == "equilibrium"


def test_stuck_at_zero_d_is_not_frozen() -> None:
    # D stuck at 0 with G stuck at 16 is saturation, which vanishing explains.
    verdict = triage("stuck at 0", "stuck at 16", "pure noise")

    assert verdict == "vanishing_gradient"


def test_no_match_asks_for_three_items() -> None:
    diagnosis = diagnose(
        build_report({"d_loss_trend": "0.4, 0.4", "g_loss_trend": "3, 3"}, "test")
    )

    assert diagnosis.failure == "no_match"
    assert "d_accuracy_on_real" in diagnosis.fix
    assert "d_accuracy_on_fake" in diagnosis.fix
    assert "sample grid" in diagnosis.fix


def test_tried_fix_moves_down_the_ladder() -> None:
    report = build_report({"d_loss_trend": "0.02", "g_loss_trend": "7"}, "test")

    first = diagnose(report)
    second = diagnose(report, tried=["spectral_norm"])
    exhausted = diagnose(report, tried=["spectral_norm", "halve_d_lr"])

    assert first.fix_slug == "spectral_norm"
    assert second.fix_slug == "halve_d_lr"
    assert exhausted.fix_slug != "halve_d_lr"
    assert exhausted.fix_slug != "spectral_norm"


def test_samples_only_collapse() -> None:
    verdict = triage("not reported", "not reported", "always generates the same digit")

    assert verdict == "mode_collapse"


def test_negated_collapse_is_not_collapse() -> None:
    verdict = triage("not reported", "not reported", "varied, no mode collapse")

    assert verdict == "no_match"


def test_retry_scales_with_epochs() -> None:
    # D wins: base 5 epochs, 10% of epochs trained, capped at 20.
    report = build_report(
        {"d_loss_trend": "0.02", "g_loss_trend": "7", "epochs": 120}, "test"
    )

    assert diagnose(report).retry_epochs == 12


def test_constant_d_beside_still_g_is_frozen() -> None:
    # D's loss with no variance at all is a D that does not learn, even when
    # G's is only described as stuck near a value rather than exact.
    verdict = triage(
        "flat at 0.25 each after the first epoch, no variance at all",
        "stuck near 0.25",
        "results look fine",
        loss_type="lsgan",
    )

    assert verdict == "frozen"


def test_same_as_theirs_is_not_collapse() -> None:
    # "The same as theirs" compares with another person's results; it says
    # nothing about the samples repeating.
    verdict = triage("0.410", "23.163", "My images look about the same as theirs")

    assert verdict == "no_match"


def test_vanishing_skips_loss_already_in_place() -> None:
    # G 12 > 0 cannot come from log(1 - D(G(z))) <= 0, so G already uses the
    # non-saturating loss; with G's objective unknown and G below 0, the
    # non-saturating switch is still the first rung.
    positive = diagnose(
        build_report({"d_loss_trend": "0.01", "g_loss_trend": "12"}, "t")
    )
    saturating = diagnose(
        build_report(
            {"d_loss_trend": "3e-08, 3e-08", "g_loss_trend": "-2e-08, -1.9e-08"}, "t"
        )
    )

    assert positive.failure == "vanishing_gradient"
    assert positive.fix_slug == "spectral_norm"
    assert saturating.failure == "vanishing_gradient"
    assert saturating.fix_slug == "non_saturating_loss"


def test_single_values_at_chance_are_equilibrium() -> None:
    # One value each gives no movement to judge, so the bands alone decide.
    verdict = triage("1.386", "0.693", "samples look good")

    assert verdict == "equilibrium"


def test_both_losses_exactly_zero_are_frozen() -> None:
    verdict = triage("0.0000, 0.0000, 0.0000", "0.0000, 0.0000, 0.0000", "black")

    assert verdict == "frozen"


def test_noise_samples_rule_out_collapse() -> None:
    # D 0.7 and G 1.2 wobble inside the collapse band, but samples described
    # as noise are not a handful of outputs.
    numbers = ("0.7, 0.75, 0.68, 0.74, 0.69", "1.2, 1.1, 1.3, 1.15, 1.25")

    noise = triage(*numbers, "pure static noise")
    same = triage(*numbers, "all generated digits look the same")

    assert noise == "no_match"
    assert same == "mode_collapse"


@pytest.mark.parametrize(
    "samples",
    ["all black images", "the samples are not good", "checkerboard artifacts"],
)
def test_poor_samples_rule_out_equilibrium(samples: str) -> None:
    verdict = triage("1.386, 1.385, 1.387", "0.693, 0.694, 0.692", samples)

    assert verdict == "no_match"


@pytest.mark.parametrize(
    "samples",
    [
        "the same 3 faces over and over",
        "G keeps producing the same few digits",
        "only shows 3 kinds of face regardless of z",
    ],
)
def test_collapse_phrasings(samples: str) -> None:
    assert triage("0.55, 0.6, 0.52, 0.58", "0.9, 1.0, 0.95, 0.92", samples) == (
        "mode_collapse"
    )


def test_zero_g_is_not_called_negative() -> None:
    diagnosis = diagnose(
        build_report({"d_loss_trend": "0, 0, 0", "g_loss_trend": "0, 0, 0"}, "t")
    )

    assert diagnosis.failure == "frozen"
    assert not any("negative" in warning for warning in diagnosis.warnings)


def test_no_match_with_accuracies_asks_for_grid_only() -> None:
    # Accuracies 75% / 70% are neither D winning (both >= 90%) nor chance
    # (both 35-65%), so no mode fits; asking for them again would be useless.
    report = build_report(
        {
            "d_loss_trend": "0.4, 0.41, 0.4",
            "g_loss_trend": "3, 3.1, 3",
            "d_accuracy_on_real": "0.75",
            "d_accuracy_on_fake": "0.7",
        },
        "t",
    )
    plain = build_report({"d_loss_trend": "0.4, 0.41, 0.4", "g_loss_trend": "3"}, "t")

    with_accuracies = diagnose(report)
    without = diagnose(plain)

    assert with_accuracies.failure == "no_match"
    assert with_accuracies.fix_slug == "send_grid"
    assert "d_accuracy_on_real" not in with_accuracies.fix
    assert validate_reply(with_accuracies.block, report) == []
    assert without.fix_slug == "send_evidence"
