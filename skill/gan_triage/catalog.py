"""The catalog of failure modes: the one source of thresholds, fixes and retry advice.

The rule engine, the validator, the rendered SKILL.md, the model prompts and the
eval oracle all read this module, so every mode threshold and fix text lives
here. ``reading.py`` keeps only the tolerances it uses to tell loss scales apart
(for example, both losses within 0.04 of 0.25 reads as LSGAN).

Where a number comes from is recorded next to it in ``source``. Two kinds of
source appear. One is the five-mode triage prompt this project implements,
called "triage prompt" below. The other is the per-epoch logs of real training
runs made for this project: small MLP GANs on 8x8 digits, a ring of 8 Gaussians
and a grid of 25 Gaussians, with copies in ``tests/data/runs``. Where the two
disagree, the measured runs win and the entry says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

ModeSlug = Literal[
    "diverged",
    "frozen",
    "vanishing_gradient",
    "d_wins",
    "oscillation",
    "mode_collapse",
    "equilibrium",
    "no_match",
]

LossType = Literal["bce-sum", "bce-mean", "lsgan", "hinge", "wgan", "wgan-gp"]
GObjective = Literal["non-saturating", "saturating"]

LOSS_TYPES: tuple[LossType, ...] = (
    "bce-sum",
    "bce-mean",
    "lsgan",
    "hinge",
    "wgan",
    "wgan-gp",
)

# Spellings users write for a loss type, mapped to the catalog's names.
LOSS_TYPE_ALIASES: dict[str, LossType] = {
    "bce-sum": "bce-sum",
    "bce": "bce-sum",
    "bce_sum": "bce-sum",
    "dcgan": "bce-sum",
    "vanilla": "bce-sum",
    "non-saturating": "bce-sum",
    "ns": "bce-sum",
    "bce-mean": "bce-mean",
    "bce_mean": "bce-mean",
    "lsgan": "lsgan",
    "ls": "lsgan",
    "mse": "lsgan",
    "hinge": "hinge",
    "wgan": "wgan",
    "wgan-gp": "wgan-gp",
    "wgan_gp": "wgan-gp",
    "wgangp": "wgan-gp",
}


@dataclass(frozen=True)
class Fix:
    """One rung of a mode's fix ladder: a single concrete change."""

    slug: str
    text: str
    source: str
    # Phrases that show a user already tried this fix ("spectral norm", "ttur").
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retry:
    """How long to wait before triaging again after applying a fix.

    The wait is ``base`` epochs, or ``fraction`` of the epochs trained so far
    when the report gives them, clamped to ``[base, cap]``.
    """

    base: int
    fraction: float
    cap: int
    source: str

    def epochs(self, trained: int | None) -> int:
        if trained is None or trained <= 0:
            return self.base
        return max(self.base, min(self.cap, round(trained * self.fraction)))


@dataclass(frozen=True)
class Threshold:
    """A number a symptom is compared with, and where it came from."""

    value: float
    source: str


@dataclass(frozen=True)
class Scale:
    """The meaning of D and G loss numbers under one objective.

    ``None`` marks a threshold that has no meaning on this scale: for example
    WGAN critic losses have no fixed level, so they are judged by trend only.
    """

    loss_type: LossType
    label: str
    d_chance: Threshold | None
    g_chance: Threshold | None
    # D wins: D loss at or below ``d_near_zero`` while G is rising or at/above
    # ``g_high``.
    d_near_zero: Threshold | None
    g_high: Threshold | None
    # Vanishing generator gradient: D below ``vanish_d_max``, G above
    # ``vanish_g_min``. ``None`` where the G loss cannot saturate.
    vanish_d_max: Threshold | None
    vanish_g_min: Threshold | None
    # Mode collapse: D inside ``collapse_d`` (low, high) with G low.
    collapse_d: tuple[float, float] | None
    collapse_g_max: Threshold | None
    # Equilibrium: D and G inside these bands and static.
    equilibrium_d: tuple[float, float] | None
    equilibrium_g: tuple[float, float] | None
    # Denominator floor for swing ratios, so losses near zero do not look wild.
    swing_floor_d: float
    swing_floor_g: float
    negative_allowed: bool
    at_chance: str
    when_d_wins: str
    source: str


LOG4 = 2 * math.log(2)  # 1.386: -log(0.5) twice, D at chance on real and fake.
LOG2 = math.log(2)  # 0.693: -log(0.5), G's non-saturating loss at chance.

SCALES: dict[LossType, Scale] = {
    "bce-sum": Scale(
        loss_type="bce-sum",
        label="BCE, D's real and fake terms summed (PyTorch DCGAN tutorial)",
        d_chance=Threshold(LOG4, "2*ln 2: D outputs 0.5 on reals and fakes"),
        g_chance=Threshold(LOG2, "ln 2: -log D(G(z)) with D(G(z)) = 0.5"),
        d_near_zero=Threshold(
            0.1,
            "triage prompt says 'near zero'; measured D-wins runs sat at "
            "0.001-0.06 while healthy runs never went below 0.5",
        ),
        g_high=Threshold(5.0, "triage prompt: g_loss increasing or >> 5"),
        vanish_d_max=Threshold(0.05, "triage prompt: d_loss tiny (< 0.05)"),
        vanish_g_min=Threshold(10.0, "triage prompt: g_loss very large (> 10)"),
        collapse_d=(0.5, 1.0),
        collapse_g_max=Threshold(
            2.5,
            "triage prompt says 'g_loss low'; measured collapsed runs had G at "
            "1.5-1.7 on the 25-Gaussian grid",
        ),
        equilibrium_d=(1.10, 1.45),
        equilibrium_g=(0.65, 1.05),
        swing_floor_d=LOG4,
        swing_floor_g=LOG2,
        negative_allowed=False,
        at_chance="D 1.386, G 0.693",
        when_d_wins="D falls toward 0, G (non-saturating) climbs past 5",
        source=(
            "Equilibrium bands: the triage prompt names 1.386 / 0.693; measured "
            "healthy runs also sat at 1.12-1.20 / 0.79-1.04, so the bands follow "
            "the runs (pinned by tests/test_rules.py)."
        ),
    ),
    "bce-mean": Scale(
        loss_type="bce-mean",
        label="BCE, D's real and fake terms averaged (many Keras codes)",
        d_chance=Threshold(LOG2, "ln 2: the summed value 1.386 divided by 2"),
        g_chance=Threshold(LOG2, "ln 2: G's loss does not change with D's mean"),
        d_near_zero=Threshold(0.05, "half the summed-BCE threshold 0.1"),
        g_high=Threshold(5.0, "same G loss as summed BCE"),
        vanish_d_max=Threshold(0.025, "half the summed-BCE threshold 0.05"),
        vanish_g_min=Threshold(10.0, "same G loss as summed BCE"),
        collapse_d=(0.25, 0.5),
        collapse_g_max=Threshold(2.5, "same G loss as summed BCE"),
        equilibrium_d=(0.55, 0.725),
        equilibrium_g=(0.65, 1.05),
        swing_floor_d=LOG2,
        swing_floor_g=LOG2,
        negative_allowed=False,
        at_chance="D 0.693, G 0.693",
        when_d_wins="D falls toward 0, G climbs past 5",
        source="Every D threshold of summed BCE, halved.",
    ),
    "lsgan": Scale(
        loss_type="lsgan",
        label="least squares (LSGAN, pix2pix and CycleGAN default)",
        d_chance=Threshold(0.25, "(0.5-1)^2 and 0.5^2, averaged: D outputs 0.5"),
        g_chance=Threshold(0.25, "(0.5-1)^2; 0.125 with the 1/2 factor"),
        d_near_zero=Threshold(0.02, "a tenth of chance level 0.25"),
        g_high=Threshold(
            0.45,
            "G's ceiling is (0-1)^2 = 1 (0.81 with 0.9 real labels, 0.5 with "
            "the 1/2 factor); 0.45 is past chance on every variant",
        ),
        vanish_d_max=None,
        vanish_g_min=None,
        collapse_d=None,
        collapse_g_max=None,
        equilibrium_d=(0.18, 0.32),
        equilibrium_g=(0.1, 0.32),
        swing_floor_d=0.25,
        swing_floor_g=0.25,
        negative_allowed=False,
        at_chance="D 0.25, G 0.25 (0.125 with the 1/2 factor)",
        when_d_wins="D falls toward 0, G rises toward 1 (0.81 with 0.9 labels)",
        source=(
            "Mao et al. 2017: the squared G loss does not saturate, so the "
            "vanishing-gradient mode does not apply."
        ),
    ),
    "hinge": Scale(
        loss_type="hinge",
        label="hinge (SNGAN, BigGAN, SAGAN, StyleGAN-XL)",
        d_chance=Threshold(2.0, "relu(1-0) + relu(1+0): D outputs 0"),
        g_chance=Threshold(0.0, "-D(G(z)) with D outputting 0"),
        d_near_zero=Threshold(0.5, "a quarter of chance level 2.0"),
        g_high=Threshold(2.0, "fake scores below -2, twice past the -1 margin"),
        vanish_d_max=None,
        vanish_g_min=None,
        collapse_d=None,
        collapse_g_max=None,
        equilibrium_d=(1.6, 2.2),
        equilibrium_g=(-0.6, 0.6),
        swing_floor_d=2.0,
        swing_floor_g=1.0,
        negative_allowed=True,
        at_chance="D 2.0, G about 0 (negative G is normal)",
        when_d_wins="D falls toward 0, G rises well above 1",
        source=(
            "Lim and Ye 2017, Miyato et al. 2018: G's hinge loss is linear in "
            "D's score, so it cannot saturate."
        ),
    ),
    "wgan": Scale(
        loss_type="wgan",
        label="Wasserstein critic (WGAN, weight clipping)",
        d_chance=None,
        g_chance=None,
        d_near_zero=None,
        g_high=None,
        vanish_d_max=None,
        vanish_g_min=None,
        collapse_d=None,
        collapse_g_max=None,
        equilibrium_d=None,
        equilibrium_g=None,
        swing_floor_d=0.0,
        swing_floor_g=0.0,
        negative_allowed=True,
        at_chance="no fixed level: the critic's loss approaches 0 from below",
        when_d_wins="critic loss grows ever more negative while G's rises",
        source=(
            "Arjovsky et al. 2017: critic values have arbitrary scale and sign, "
            "so only trends and the real-fake gap mean anything."
        ),
    ),
    "wgan-gp": Scale(
        loss_type="wgan-gp",
        label="Wasserstein critic with gradient penalty (WGAN-GP)",
        d_chance=None,
        g_chance=None,
        d_near_zero=None,
        g_high=None,
        vanish_d_max=None,
        vanish_g_min=None,
        collapse_d=None,
        collapse_g_max=None,
        equilibrium_d=None,
        equilibrium_g=None,
        swing_floor_d=0.0,
        swing_floor_g=0.0,
        negative_allowed=True,
        at_chance="no fixed level: the critic's loss approaches 0 from below",
        when_d_wins="critic loss grows ever more negative while G's rises",
        source="Gulrajani et al. 2017: same reading as WGAN, plus 10 x penalty.",
    ),
}

# Scale-free evidence: D's mean outputs and accuracies mean the same on any loss.
D_OUTPUT_WINS = Threshold(0.9, "D(x) >= 0.9 with D(G(z)) <= 0.1: D separates all")
D_OUTPUT_CHANCE = (0.35, 0.65)
D_ACCURACY_WINS = Threshold(0.9, "both accuracies >= 90%: D tells every sample apart")
D_ACCURACY_CHANCE = (0.35, 0.65)

# Relative epoch-to-epoch swing above which a loss "swings widely", measured as
# mean |successive difference| / max(mean |value|, scale floor). Measured runs:
# WGAN-GP runs that flickered swung 0.8-1.0; steady runs stayed under 0.1.
SWING_RATIO = Threshold(0.3, "measured: flickering runs 0.8-1.0, steady runs < 0.1")
# A loss counts as static when its window varies by less than this fraction of
# the scale floor (or of its own level on WGAN scales).
STATIC_RATIO = Threshold(0.08, "measured: equilibrium runs varied by 1-6%")


@dataclass(frozen=True)
class Mode:
    """One failure mode: how it shows, and what to do about it."""

    slug: ModeSlug
    name: str
    summary: str
    symptoms: tuple[str, ...]
    fixes: tuple[Fix, ...]
    retry: Retry
    # True for modes this project adds beyond the triage prompt's five.
    extension: bool = False
    sample_cues: tuple[str, ...] = field(default=())
    # The no-match request once D's accuracies are already in the report.
    followup_fix: Fix | None = None


# Fixes that serve more than one mode. D winning and a vanishing G gradient
# are the same imbalance at two strengths, so they share these rungs, and a
# rung tried for one counts as tried for the other.
SPECTRAL_NORM = Fix(
    "spectral_norm",
    "Wrap every D layer in spectral normalization "
    "(torch.nn.utils.spectral_norm) and remove D's BatchNorm layers.",
    "triage prompt; measured: cured D winning in 3 of 3 seeds",
    ("spectral norm", "spectral_norm", "spectral normalization", "sn"),
)
HALVE_D_LR = Fix(
    "halve_d_lr",
    "Halve D's learning rate and leave G's unchanged.",
    "triage prompt's second step; measured: alone it cured 0 of 3 seeds, so it "
    "stays second",
    ("halve", "halved", "lower d lr", "lower d's learning rate"),
)


MODES: dict[ModeSlug, Mode] = {
    "diverged": Mode(
        slug="diverged",
        name="Diverged (NaN or inf losses)",
        summary="A loss became NaN or inf: the run is broken, not failing.",
        symptoms=("d_loss or g_loss is NaN or inf",),
        fixes=(
            Fix(
                "lower_lr_10x",
                "Restart from the last checkpoint with finite losses with both "
                "learning rates divided by 10.",
                "NaN after a learning-rate spike is the most common cause in "
                "public reports; measured: momentum SGD at a high rate went "
                "NaN within 3 epochs",
                ("lower learning rate", "lower lr", "divided the learning rate"),
            ),
            Fix(
                "fp32",
                "Turn off mixed precision and train in float32.",
                "fp16 overflow in the loss is the second common cause",
                ("mixed precision", "fp32", "float32", "amp"),
            ),
        ),
        retry=Retry(1, 0.02, 3, "NaN shows within an epoch when it recurs"),
        extension=True,
    ),
    "frozen": Mode(
        slug="frozen",
        name="Frozen (losses stuck at exact constants)",
        summary=(
            "D's loss holds one value to the last digit while G's does not "
            "move, or G's loss is exactly 0 every step: nothing is learning."
        ),
        symptoms=(
            "d_loss exactly constant over the window, with g_loss still too",
            "or g_loss exactly 0 at every step",
        ),
        fixes=(
            Fix(
                "unblock_d_gradient",
                "Remove every ReLU, clamp and sigmoid after D's last layer so "
                "it feeds raw logits to BCEWithLogitsLoss, then confirm D's "
                "gradient norm is non-zero after backward().",
                "a public report traced 1.398 / 0.693 held for all epochs to a "
                "ReLU on D's output that passed no gradient",
                ("logits", "leakyrelu", "leaky relu", "removed the relu"),
            ),
        ),
        retry=Retry(2, 0.02, 5, "a live D moves its loss within an epoch or two"),
        extension=True,
    ),
    "vanishing_gradient": Mode(
        slug="vanishing_gradient",
        name="Vanishing generator gradient",
        summary="D rejects every fake so surely that G's gradient vanishes.",
        symptoms=(
            "d_loss tiny (< 0.05)",
            "g_loss very large (> 10), or just below 0 with the saturating loss",
            "samples are nonsense",
        ),
        fixes=(
            Fix(
                "non_saturating_loss",
                "Train G with the non-saturating loss: minimise "
                "BCE(D(G(z)), 1), which is -log D(G(z)), in place of the "
                "saturating log(1 - D(G(z))).",
                "triage prompt; Goodfellow et al. 2014 propose the same switch",
                ("non-saturating", "non saturating", "-log d(g(z))"),
            ),
            # With the non-saturating loss already in place (G's loss above 0
            # proves it), the imbalance itself is what is left to fix.
            SPECTRAL_NORM,
            HALVE_D_LR,
        ),
        retry=Retry(3, 0.05, 10, "G's loss drops within a few epochs once G learns"),
        sample_cues=("nonsense", "noise", "garbage", "meaningless"),
    ),
    "d_wins": Mode(
        slug="d_wins",
        name="D wins completely",
        summary="D separates real from fake perfectly and G stops improving.",
        symptoms=(
            "d_loss near zero and decreasing",
            "g_loss increasing or far above 5",
            "samples look random or stuck at one noise pattern",
        ),
        fixes=(
            SPECTRAL_NORM,
            HALVE_D_LR,
        ),
        retry=Retry(5, 0.1, 20, "D winning reappears within 5 epochs when unfixed"),
        sample_cues=("random", "noise", "noise pattern", "static"),
    ),
    "oscillation": Mode(
        slug="oscillation",
        name="Oscillation / no convergence",
        summary="Both losses swing widely from epoch to epoch.",
        symptoms=(
            "both losses swing widely epoch to epoch",
            "samples flicker between different failure modes",
        ),
        fixes=(
            Fix(
                "ttur",
                "Use TTUR: set D's learning rate to 4e-4 and G's to 1e-4.",
                "triage prompt; values from SAGAN (Zhang et al. 2018), rule "
                "from Heusel et al. 2017",
                ("ttur", "two time-scale", "4e-4"),
            ),
            Fix(
                "wgan_gp",
                "Switch to WGAN-GP: penalty weight 10, 5 critic steps per G "
                "step, Adam at 1e-4 with betas (0, 0.9), no BatchNorm in the "
                "critic.",
                "triage prompt's second step; settings from Gulrajani et al. 2017",
                ("wgan-gp", "wgan gp", "gradient penalty", "wgan"),
            ),
        ),
        retry=Retry(10, 0.1, 30, "swings need several epochs to settle or not"),
        sample_cues=("flicker", "change completely", "jump between", "unstable"),
    ),
    "mode_collapse": Mode(
        slug="mode_collapse",
        name="Mode collapse",
        summary="G produces a handful of outputs whatever the noise.",
        symptoms=(
            "d_loss oscillates in a moderate range (0.5-1.0)",
            "g_loss low but varies",
            "samples are a small handful of images regardless of noise",
        ),
        fixes=(
            Fix(
                "minibatch_discrimination",
                "Add minibatch discrimination to D (a minibatch-statistics "
                "layer before its last layer).",
                "triage prompt; Salimans et al. 2016. Measured: it made digits "
                "diverse but blurry and the 25-Gaussian grid worse",
                ("minibatch discrimination", "minibatch std", "mbd"),
            ),
            Fix(
                "double_batch",
                "Double the batch size.",
                "triage prompt; measured: did not cure collapse on either data set",
                ("batch size", "double the batch", "doubled the batch"),
            ),
            Fix(
                "label_conditioning",
                "Condition G and D on class labels (a conditional GAN), "
                "provided the data set has labels.",
                "triage prompt; measured: cured collapse on both data sets",
                ("label conditioning", "conditional", "cgan", "conditioned"),
            ),
        ),
        retry=Retry(10, 0.1, 30, "diversity comes back over several epochs"),
        sample_cues=("same", "identical", "handful", "collapse", "one or two"),
    ),
    "equilibrium": Mode(
        slug="equilibrium",
        name="Nash equilibrium / D uncertain (D outputs ~0.5)",
        summary="Not a failure: D cannot tell real from fake and samples look fine.",
        symptoms=(
            "d_loss near log(4) = 1.386 and static",
            "g_loss near log(2) = 0.693 and static",
            "samples look reasonable",
        ),
        fixes=(
            Fix(
                "continue_and_fid",
                "Change nothing: continue training and compute FID on a fixed "
                "sample set every few epochs, stopping when it stops improving.",
                "triage prompt: continue training or stop and evaluate FID",
                ("fid", "continue training"),
            ),
        ),
        retry=Retry(10, 0.1, 50, "FID needs a few evaluations to show a trend"),
        sample_cues=("reasonable", "good", "fine", "realistic", "varied"),
    ),
    "no_match": Mode(
        slug="no_match",
        name="No match",
        summary="The numbers fit none of the failure modes.",
        symptoms=("no mode's symptoms hold",),
        fixes=(
            Fix(
                "send_evidence",
                "Send d_accuracy_on_real, d_accuracy_on_fake and a sample grid "
                "so the run can be triaged.",
                "triage prompt: ask for exactly these three items",
            ),
        ),
        # Used in place of the request above once the report already gives
        # both of D's accuracies and they still settle nothing.
        followup_fix=Fix(
            "send_grid",
            "Send a sample grid, described in words, and the next epochs of both "
            "losses: the accuracies given do not settle the mode.",
            "the accuracies were the first two of the three items requested",
        ),
        retry=Retry(1, 0.0, 1, "the three items can be logged within one epoch"),
    ),
}

# The order in which modes win when several fit. Broken runs come first, then
# the sharper diagnosis before the broader one: D below 0.05 with G above 10 is
# a vanishing gradient before it is D winning.
PRECEDENCE: tuple[ModeSlug, ...] = (
    "diverged",
    "frozen",
    "vanishing_gradient",
    "d_wins",
    "mode_collapse",
    "oscillation",
    "equilibrium",
)

# The triage prompt's five modes; the strict reading uses only these.
SEED_MODES: tuple[ModeSlug, ...] = (
    "d_wins",
    "mode_collapse",
    "oscillation",
    "equilibrium",
    "vanishing_gradient",
)

NO_MATCH_ITEMS = ("d_accuracy_on_real", "d_accuracy_on_fake", "sample grid")


def mode(slug: str) -> Mode:
    """Look up a mode by slug, raising KeyError with the known slugs."""
    try:
        return MODES[slug]  # type: ignore[index]
    except KeyError:
        raise KeyError(f"unknown mode {slug!r}; known: {', '.join(MODES)}") from None


def mode_by_name(name: str) -> Mode | None:
    """Find a mode from its display name or slug, ignoring case and spacing."""
    wanted = " ".join(name.lower().split())
    for candidate in MODES.values():
        if wanted in (candidate.slug, " ".join(candidate.name.lower().split())):
            return candidate
    return None


def normalize_loss_type(text: str) -> LossType | None:
    return LOSS_TYPE_ALIASES.get(text.strip().lower())
