"""Read a report on its loss scale: levels, swings, stillness and the scale itself.

The rule engine never looks at raw strings: it asks this module what the D and
G losses do, measured against the thresholds of the scale in use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .catalog import (
    SCALES,
    STATIC_RATIO,
    SWING_RATIO,
    LossType,
    Scale,
)
from .errors import InputError
from .report import Report, Trend
from .samples import SampleReading, read_samples

# "early log: ... over the first ~150 iterations": GANs start with D winning
# for a few hundred iterations, so such numbers say little about the run.
EARLY = re.compile(
    r"\bfirst\s*~?\s*(\d+)\s*(?:iterations|iters|steps|batches)\b|\bearly log\b",
    re.IGNORECASE,
)
EARLY_LIMIT = 1000
# "1,386": a comma that groups thousands, or a decimal comma misread as one.
THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+")
EXTRA_TERMS = re.compile(
    r"includes? (?:extra|other|non-adversarial|reconstruction|l1|cycle|content)"
    r"|\btotal\b.*\b(?:l1|cycle|reconstruction|perceptual)\b",
    re.IGNORECASE,
)
SCALE_WORDS: tuple[tuple[re.Pattern[str], LossType], ...] = (
    (re.compile(r"hinge", re.IGNORECASE), "hinge"),
    (re.compile(r"wgan[-_ ]?gp|gradient penalty", re.IGNORECASE), "wgan-gp"),
    (re.compile(r"wgan|wasserstein|critic|w_dist", re.IGNORECASE), "wgan"),
    (re.compile(r"lsgan|least[- ]squares|\bmse\b", re.IGNORECASE), "lsgan"),
)


@dataclass(frozen=True)
class LossReading:
    """One loss's level, direction and movement over the report's window."""

    known: bool
    level: float | None
    direction: str
    static: bool
    swings: bool
    # Goes up and down (two reversals or more) without being static, however
    # small the swing: the "oscillates in a moderate range" of mode collapse.
    wobbles: bool
    exact: bool
    values: tuple[float, ...]
    # The values are the two ends of a range ("1.9-2.1"), not a sequence.
    is_range: bool = False


@dataclass
class Reading:
    """Everything the rule engine needs, read on one scale."""

    scale: Scale
    saturating: bool
    d: LossReading
    g: LossReading
    d_fake_level: float | None
    samples: SampleReading
    nonfinite: bool
    early: bool
    g_extra_terms: bool
    # Scale-free evidence: D's mean outputs and accuracies (None when not given,
    # and always None in the strict reading).
    d_x: float | None = None
    d_g_z: float | None = None
    accuracy_real: float | None = None
    accuracy_fake: float | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_report(report: Report, strict: bool = False) -> Reading:
    """Read ``report`` on its scale; ``strict`` forces the summed-BCE scale."""
    _check_signs(report)
    warnings: list[str] = []
    notes: list[str] = []
    if strict:
        scale = SCALES["bce-sum"]
        saturating = False
    else:
        loss_type, saturating, why = infer_scale(report)
        scale = SCALES[loss_type]
        if why:
            warnings.append(why)
            notes.append(why)

    for field_name, trend in (("d_loss_trend", report.d), ("g_loss_trend", report.g)):
        grouped = [token for token in trend.tokens if THOUSANDS.fullmatch(token)]
        if grouped:
            warnings.append(
                f"{field_name}: {grouped[0]} was read as a whole number with a "
                "thousands separator; write it with a decimal point if it is a "
                "decimal comma"
            )
    early = not strict and _is_early(report)
    if early:
        warnings.append(
            "the losses come from the first few hundred iterations, when D "
            "usually leads; they say little about the run now"
        )
    extra = not strict and (
        report.g_includes_extra_terms or bool(EXTRA_TERMS.search(report.g_loss_trend))
    )
    if extra:
        warnings.append(
            "G's loss includes non-adversarial terms, so its level is not read"
        )

    d_values = _combined_d(report.d, scale)
    d = _read_loss(report.d, scale.swing_floor_d, d_values, unreliable=early)
    g = _read_loss(report.g, scale.swing_floor_g, None, unreliable=early or extra)
    fake = report.d.parts.get("fake")
    return Reading(
        scale=scale,
        saturating=saturating,
        d=d,
        g=g,
        d_fake_level=sum(fake) / len(fake) if fake and not strict else None,
        samples=read_samples(report.sample_notes),
        nonfinite=report.d.nonfinite or report.g.nonfinite,
        early=early,
        g_extra_terms=extra,
        d_x=None if strict else _d_output(report, "real"),
        d_g_z=None if strict else _d_output(report, "fake"),
        accuracy_real=None if strict else report.d_accuracy_on_real,
        accuracy_fake=None if strict else report.d_accuracy_on_fake,
        notes=notes,
        warnings=warnings,
    )


def infer_scale(report: Report) -> tuple[LossType, bool, str | None]:
    """Pick the loss scale: the report's own, else what the numbers support.

    Returns the scale, whether G uses the saturating loss, and a sentence that
    states an inference (None when the report gave the scale).
    """
    saturating = report.g_objective == "saturating"
    if report.loss_type == "bce-sum" and not report.bce_variant_known:
        if _averaged_bce(report):
            return "bce-mean", saturating, AVERAGED_NOTE
        return "bce-sum", saturating, None
    if report.loss_type is not None:
        return report.loss_type, saturating, None

    d_values = [v for v in report.d.values if math.isfinite(v)]
    g_values = [v for v in report.g.values if math.isfinite(v)]
    text = f"{report.d_loss_trend} {report.g_loss_trend}"
    for pattern, loss_type in SCALE_WORDS:
        if pattern.search(text):
            return (
                loss_type,
                False,
                f"loss type read as {loss_type} from the loss names",
            )
    if any(v < 0 for v in d_values):
        return "wgan", False, "loss type inferred as WGAN: D's loss is negative"
    if g_values and all(v <= 0 for v in g_values) and any(v < 0 for v in g_values):
        d_level = report.d.level
        # Strictly below 0: a G loss of exactly 0 is a stalled run, not the
        # saturating loss at work.
        if d_level is not None and d_level < 0.2 and -0.05 < max(g_values) < 0:
            return (
                "bce-sum",
                True,
                "G's loss sits just below 0 while D's is near 0: read as the "
                "saturating G loss log(1 - D(G(z)))",
            )
        return "hinge", False, "loss type inferred as hinge: G's loss is negative"
    d_level, g_level = report.d.level, report.g.level
    if d_level is not None and g_level is not None:
        if _near(d_level, 0.25, 0.04) and _near(g_level, 0.25, 0.04):
            return (
                "lsgan",
                False,
                "loss type inferred as LSGAN: both losses rest at 0.25",
            )
        if _near(d_level, 2.0, 0.15):
            return "hinge", False, "loss type inferred as hinge: D's loss rests at 2"
    if _averaged_bce(report):
        return "bce-mean", False, AVERAGED_NOTE
    return "bce-sum", saturating, None


AVERAGED_NOTE = (
    "loss type inferred as BCE averaged over real and fake: D's loss rests at "
    "0.693 beside G's"
)


def _averaged_bce(report: Report) -> bool:
    """True when D and G both rest at ln 2, the averaged-BCE chance point.

    A D loss given as separate real and fake halves of 0.693 each is summed
    BCE at chance, not averaged BCE.
    """
    d_level, g_level = report.d.level, report.g.level
    if d_level is None or g_level is None:
        return False
    split = "real" in report.d.parts and "fake" in report.d.parts
    return not split and _near(d_level, 0.693, 0.03) and _near(g_level, 0.693, 0.03)


def _near(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance


def _check_signs(report: Report) -> None:
    """Reject negative losses on a scale that cannot produce them."""
    if report.loss_type not in ("bce-sum", "bce-mean", "lsgan"):
        return
    for field_name, trend, allowed in (
        ("d_loss_trend", report.d, False),
        ("g_loss_trend", report.g, report.g_objective == "saturating"),
    ):
        negative = [v for v in trend.values if math.isfinite(v) and v < 0]
        if negative and not allowed:
            hint = (
                "set g_objective: saturating if G minimises log(1 - D(G(z)))"
                if field_name == "g_loss_trend"
                else "set loss_type to wgan, wgan-gp or hinge if that is the loss"
            )
            raise InputError(
                f"{report.origin}: {field_name} has negative value {negative[0]:g}, "
                f"which {report.loss_type} cannot produce; {hint}"
            )


def _is_early(report: Report) -> bool:
    for text in (report.d_loss_trend, report.g_loss_trend):
        match = EARLY.search(text)
        if match and (match.group(1) is None or int(match.group(1)) < EARLY_LIMIT):
            return True
    return False


def _combined_d(trend: Trend, scale: Scale) -> list[float] | None:
    """Total D loss from separately reported real and fake halves, if given."""
    real, fake = trend.parts.get("real"), trend.parts.get("fake")
    if not real or not fake:
        return None
    total = sum(real) / len(real) + sum(fake) / len(fake)
    # Averaging conventions report the mean of the halves, not their sum.
    if scale.loss_type in ("bce-mean", "lsgan"):
        total /= 2
    return [total]


def _read_loss(
    trend: Trend,
    floor: float,
    override: list[float] | None,
    unreliable: bool,
) -> LossReading:
    values = [v for v in (override or trend.values) if math.isfinite(v)]
    if unreliable or not trend.reported:
        return LossReading(False, None, "unknown", False, False, False, False, ())
    level = trend.level if override is None else values[0]
    static = _is_static(trend, values, floor)
    return LossReading(
        known=level is not None,
        level=level,
        direction=_direction(trend, values, static),
        static=static,
        swings=_swings(trend, values, floor),
        wobbles=not static
        and (_reversals(values) >= 2 or trend.direction == "oscillating"),
        exact=trend.exact_constant,
        values=tuple(values),
        is_range=trend.is_range,
    )


def _is_static(trend: Trend, values: list[float], floor: float) -> bool:
    if trend.exact_constant:
        return True
    if len(values) >= 2 and not trend.is_range:
        span = max(values) - min(values)
        mean_size = sum(abs(v) for v in values) / len(values)
        return span <= STATIC_RATIO.value * max(mean_size, floor)
    return trend.direction == "flat"


def _swings(trend: Trend, values: list[float], floor: float) -> bool:
    """True when the loss swings widely from one epoch to the next."""
    if len(values) >= 3 and not trend.is_range:
        steps = [b - a for a, b in zip(values, values[1:], strict=False)]
        reversals = _reversals(values)
        mean_step = sum(abs(step) for step in steps) / len(steps)
        mean_size = sum(abs(v) for v in values) / len(values)
        ratio = mean_step / max(mean_size, floor, 1e-12)
        return reversals >= 1 and ratio >= SWING_RATIO.value
    return trend.direction == "oscillating"


def _reversals(values: list[float]) -> int:
    steps = [b - a for a, b in zip(values, values[1:], strict=False) if b != a]
    return sum(1 for a, b in zip(steps, steps[1:], strict=False) if a * b < 0)


def _direction(trend: Trend, values: list[float], static: bool) -> str:
    """Derive a loss's direction from its numbers, else from the text's words.

    With two or more values the numbers decide: a steady rise or fall, flat
    when static, oscillating with two reversals or more, and unknown for a
    mixed sequence, which is no evidence of a trend either way.
    """
    if len(values) < 2 or trend.is_range:
        return trend.direction
    if static:
        return "flat"
    steps = [b - a for a, b in zip(values, values[1:], strict=False) if b != a]
    if all(step > 0 for step in steps):
        return "increasing"
    if all(step < 0 for step in steps):
        return "decreasing"
    if _reversals(values) >= 2:
        return "oscillating"
    return "unknown"


def _d_output(report: Report, side: str) -> float | None:
    """D's mean output on one side, from the report or from its trend text.

    Raw scores (logits, or hinge critic outputs) become probabilities through
    the sigmoid, so a real score of +5.5 reads as D(x) = 0.996.
    """
    given = report.d_x if side == "real" else report.d_g_z
    if given is not None:
        return given
    parts = report.d.parts
    outputs = parts.get("d_x" if side == "real" else "d_g_z")
    if outputs and all(0 <= v <= 1 for v in outputs):
        return sum(outputs) / len(outputs)
    scores = parts.get(f"score_{side}")
    if scores:
        mean = sum(scores) / len(scores)
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, mean))))
    return None
