"""Each loss scale's equilibrium, D-wins and collapse readings.

Every expected number below is derived by hand from the loss formula, with D's
output on reals written D(x) and on fakes D(G(z)).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from gan_triage.report import build_report
from gan_triage.rules import diagnose

COLLAPSED = "a handful of near-identical samples whatever the noise"
GOOD = "samples look reasonable and varied"


def verdict(d: str, g: str, samples: str, **extra: Any) -> str:
    data = {"d_loss_trend": d, "g_loss_trend": g, "sample_notes": samples, **extra}
    return diagnose(build_report(data, "test")).failure


def series(value: float, wobble: float = 0.0) -> str:
    return ", ".join(f"{value + wobble * sign:.4g}" for sign in (0, 1, 0, -1, 0))


# Summed BCE: D loss = -log D(x) - log(1 - D(G(z))), G loss = -log D(G(z)).
# At chance D = 0.5: D = 2 ln 2 = 1.386, G = ln 2 = 0.693.
# D winning, D(x) = 0.999, D(G(z)) = 0.001: D = 2 x 0.001 = 0.002, G = 6.91.
BCE_SUM_CHANCE = (2 * math.log(2), math.log(2))
BCE_SUM_WINS = (-2 * math.log(0.999), -math.log(0.001))

# Averaged BCE halves D: chance D = ln 2 = 0.693 beside G = 0.693.
BCE_MEAN_CHANCE = (math.log(2), math.log(2))
BCE_MEAN_WINS = (-math.log(0.999), -math.log(0.001))

# LSGAN (pix2pix / CycleGAN form): D = ((D(x) - 1)^2 + D(G(z))^2) / 2,
# G = (D(G(z)) - 1)^2. Chance: D = (0.25 + 0.25) / 2 = 0.25, G = 0.25.
# D winning, D(x) = 1, D(G(z)) = 0: D = 0, G = 1.
LSGAN_CHANCE = (0.25, 0.25)
LSGAN_WINS = (0.0, 1.0)

# Hinge: D = relu(1 - D(x)) + relu(1 + D(G(z))), G = -D(G(z)).
# Chance, D outputs 0: D = 1 + 1 = 2, G = 0.
# D winning, D(x) = 3 and D(G(z)) = -3: D = 0 + 0 = 0, G = 3.
HINGE_CHANCE = (2.0, 0.0)
HINGE_WINS = (0.0, 3.0)


@pytest.mark.parametrize(
    ("loss_type", "chance"),
    [
        ("bce-sum", BCE_SUM_CHANCE),
        ("bce-mean", BCE_MEAN_CHANCE),
        ("lsgan", LSGAN_CHANCE),
        ("hinge", HINGE_CHANCE),
    ],
)
def test_equilibrium_at_chance(loss_type: str, chance: tuple[float, float]) -> None:
    d, g = chance

    result = verdict(series(d, 0.005), series(g, 0.005), GOOD, loss_type=loss_type)

    assert result == "equilibrium"


@pytest.mark.parametrize(
    ("loss_type", "wins"),
    [
        ("bce-sum", BCE_SUM_WINS),
        ("bce-mean", BCE_MEAN_WINS),
        ("lsgan", LSGAN_WINS),
        ("hinge", HINGE_WINS),
    ],
)
def test_d_wins_on_scale(loss_type: str, wins: tuple[float, float]) -> None:
    d, g = wins

    result = verdict(series(d), series(g), "samples are noise", loss_type=loss_type)

    assert result == "d_wins"


def test_lsgan_chance_is_not_bce_equilibrium() -> None:
    d, g = LSGAN_CHANCE

    on_bce = verdict(series(d, 0.005), series(g, 0.005), GOOD, loss_type="bce-sum")

    assert on_bce == "no_match"


def test_averaged_bce_inferred_from_ln2() -> None:
    # "bce" does not say summed or averaged; D and G both at ln 2 can only be
    # the averaged form at chance, so the reading is equilibrium.
    d, g = BCE_MEAN_CHANCE
    report = build_report(
        {
            "d_loss_trend": series(d, 0.002),
            "g_loss_trend": series(g, 0.002),
            "sample_notes": GOOD,
            "loss_type": "bce",
        },
        "test",
    )

    diagnosis = diagnose(report)

    assert diagnosis.failure == "equilibrium"
    assert diagnosis.scale == "bce-mean"
    assert any("averaged" in warning for warning in diagnosis.warnings)


@pytest.mark.parametrize("loss_type", ["wgan", "wgan-gp"])
def test_wgan_by_trend(loss_type: str) -> None:
    # Critic loss E[D(G(z))] - E[D(x)]: a growing gap drives it ever more
    # negative while G's loss -E[D(G(z))] rises; a gap near 0 holds it still.
    wins = verdict("-1, -5, -20, -60", "1, 5, 20, 60", "noise", loss_type=loss_type)
    calm = verdict(
        "-0.05, -0.04, -0.05, -0.05", "0.3, 0.3, 0.31, 0.3", GOOD, loss_type=loss_type
    )

    assert wins == "d_wins"
    assert calm == "equilibrium"


@pytest.mark.parametrize(
    ("loss_type", "d", "g"),
    [
        ("bce-sum", 0.8, 1.6),
        ("bce-mean", 0.4, 1.6),
        ("lsgan", 0.2, 0.3),
        ("hinge", 1.5, 0.4),
        ("wgan-gp", -0.6, -2.0),
    ],
)
def test_collapse_read_from_samples(loss_type: str, d: float, g: float) -> None:
    # Collapse has no single loss signature, so on every scale the samples
    # decide once no sharper mode (D winning, NaN, frozen) fits.
    result = verdict(series(d, 0.01), series(g, 0.01), COLLAPSED, loss_type=loss_type)

    assert result == "mode_collapse"


def test_saturating_g_just_below_zero() -> None:
    # log(1 - D(G(z))) with D(G(z)) = 2e-8 is -2e-8: D has won and G's
    # saturating loss has gone flat just below 0, not above 10.
    report = build_report(
        {
            "d_loss_trend": "5e-08, 3.4e-08, 3.1e-08",
            "g_loss_trend": "-2.6e-08, -2.1e-08, -1.9e-08",
            "sample_notes": "meaningless noise",
        },
        "test",
    )

    diagnosis = diagnose(report)

    assert diagnosis.failure == "vanishing_gradient"
    assert any("saturating" in warning for warning in diagnosis.warnings)


def test_scale_free_outputs_win() -> None:
    # D(x) = 0.99 and D(G(z)) = 0.01 is D winning on any loss, even when the
    # loss numbers alone (hinge near chance) would not say so.
    result = verdict(
        "1.9, 1.95, 1.9", "0.1, 0.1, 0.12", "", loss_type="hinge", d_x=0.99, d_g_z=0.01
    )

    assert result == "d_wins"


def test_accuracies_after_no_match() -> None:
    plain = verdict("0.4, 0.41, 0.4", "3, 3.1, 3", "")
    both_high = verdict(
        "0.4, 0.41, 0.4",
        "3, 3.1, 3",
        "",
        d_accuracy_on_real="99%",
        d_accuracy_on_fake="98%",
    )

    assert plain == "no_match"
    assert both_high == "d_wins"


def test_negative_d_infers_wgan() -> None:
    report = build_report(
        {"d_loss_trend": "-3, -8, -15", "g_loss_trend": "2, 6, 12"}, "t"
    )

    diagnosis = diagnose(report)

    assert diagnosis.scale == "wgan"
    assert diagnosis.failure == "d_wins"


def test_scores_in_trend_read_as_outputs() -> None:
    # Real scores +5.5 and fake -4.5 are sigmoid 0.996 and 0.011: D separates
    # them, so D wins on any loss even with G's hinge loss unread.
    report = build_report(
        {
            "d_loss_trend": "D 1.9; scores/real mean 5.5 and scores/fake mean -4.5",
            "g_loss_trend": "not reported",
        },
        "test",
    )

    assert report.d.parts.get("score_real") == [5.5]
    assert diagnose(report).failure == "d_wins"


def test_hinge_range_near_chance() -> None:
    # D hovering at 1.9-2.1 sits on hinge chance (2.0) with both ends inside
    # the 1.6-2.2 band; a range is where the loss hovers, not a movement.
    result = verdict("D loss 1.9-2.1", "G loss around 0", GOOD, loss_type="hinge")

    assert result == "equilibrium"
