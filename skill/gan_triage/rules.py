"""The deterministic rule engine: the offline triage and the eval oracle.

Every mode in the catalog is checked against the report. Each symptom comes out
matched, missed or unknown (the report does not say). A mode fits when its
defining symptoms match and none of its loss symptoms is contradicted. When
several fit, ``catalog.PRECEDENCE`` decides; when none fits, the answer is "no
match" and asks for D's accuracies and a sample grid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from .block import TriageBlock, format_evidence, render_block
from .catalog import (
    D_ACCURACY_CHANCE,
    D_ACCURACY_WINS,
    D_OUTPUT_CHANCE,
    D_OUTPUT_WINS,
    MODES,
    PRECEDENCE,
    SEED_MODES,
    Fix,
    LossType,
    ModeSlug,
)
from .reading import LossReading, Reading, read_report
from .report import Report

State = Literal["matched", "missed", "unknown"]


@dataclass
class Check:
    """The symptoms of one mode, as checked against one report."""

    matched: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    fits: bool = False

    def add(self, state: State, text: str) -> State:
        {"matched": self.matched, "missed": self.missed, "unknown": self.unknown}[
            state
        ].append(text)
        return state

    @property
    def score(self) -> float:
        return len(self.matched) - len(self.missed)


class Candidate(BaseModel):
    """One mode's standing against the report."""

    slug: ModeSlug
    name: str
    fits: bool
    score: float
    matched: list[str]
    missed: list[str]
    unknown: list[str]


class Diagnosis(BaseModel):
    """The rule engine's verdict, with the evidence and ranking behind it."""

    failure: ModeSlug
    failure_name: str
    evidence: str
    fix: str
    fix_slug: str
    retry: str
    retry_epochs: int
    scale: LossType
    candidates: list[Candidate]
    warnings: list[str] = Field(default_factory=list)
    strict: bool = False

    @property
    def block(self) -> str:
        return render_block(
            TriageBlock(
                failure=self.failure_name,
                evidence=self.evidence,
                fix=self.fix,
                retry=self.retry,
            )
        )


def _fmt(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.4g}"


def _check_diverged(r: Reading) -> Check:
    check = Check()
    state: State = "matched" if r.nonfinite else "missed"
    check.fits = check.add(state, "a loss is NaN or inf") == "matched"
    return check


def _check_frozen(r: Reading) -> Check:
    check = Check()
    d_dead = r.d.known and not _d_near_zero(r)
    # A live D's loss moves from batch to batch, so D held exactly constant
    # beside a G that does not move either means nothing is learning.
    both = r.d.exact and r.g.static and r.d.known and r.g.known
    g_zero = r.g.exact and r.g.level == 0.0
    # Both losses exactly 0 cannot happen in a live game: D's loss needs
    # D(G(z)) near 0 while G's needs it near 1.
    d_zero = r.d.exact and r.d.level == 0.0
    if both and d_dead:
        check.add("matched", "D's loss holds exactly one value and G's is still")
    elif g_zero and (d_dead or d_zero):
        check.add("matched", "G's loss is exactly 0 at every step")
    else:
        check.add("missed", "losses are not stuck at exact constants away from D=0")
    check.fits = bool(check.matched)
    return check


def _d_near_zero(r: Reading) -> bool:
    limit = r.scale.d_near_zero
    return limit is not None and r.d.level is not None and abs(r.d.level) <= limit.value


def _check_vanishing(r: Reading) -> Check:
    check = Check()
    scale = r.scale
    if scale.vanish_d_max is None or scale.vanish_g_min is None:
        check.add("missed", f"G's loss cannot saturate on the {scale.loss_type} scale")
        return check
    d_limit, g_limit = scale.vanish_d_max.value, scale.vanish_g_min.value
    d_state = _compare(r.d.level, lambda d: abs(d) < d_limit)
    d_ok = check.add(d_state, f"d_loss {_fmt(r.d.level)} < {d_limit:g}")
    if r.saturating:
        g_state = _compare(r.g.level, lambda g: -0.05 < g <= 0)
        g_ok = check.add(g_state, f"saturating g_loss {_fmt(r.g.level)} just below 0")
    else:
        g_state = _compare(r.g.level, lambda g: g > g_limit)
        g_ok = check.add(g_state, f"g_loss {_fmt(r.g.level)} > {g_limit:g}")
    _sample_symptom(check, r, good_misses=True, cue="noise")
    check.fits = d_ok == "matched" and g_ok == "matched"
    return check


def _check_d_wins(r: Reading) -> Check:
    check = Check()
    scale = r.scale
    free = _scale_free_wins(r)
    if free is not None:
        check.add("matched" if free else "missed", "D's outputs or accuracies")
    if scale.d_near_zero is None or scale.g_high is None:
        d_ok, g_ok = _wgan_d_wins(check, r)
    else:
        d_state = _compare(r.d.level, lambda d: abs(d) <= scale.d_near_zero.value)  # type: ignore[union-attr]
        if d_state == "missed" and r.d_fake_level is not None:
            # A D loss reported in halves: the fake half alone near zero means D
            # rejects every fake even while it still errs on some reals.
            if r.d_fake_level <= scale.d_near_zero.value / 2:
                d_state = "matched"
        d_ok = check.add(
            d_state,
            f"d_loss {_fmt(r.d.level)} near zero (<= {scale.d_near_zero.value:g})",
        )
        g_high = scale.g_high.value
        g_state = _compare(
            r.g.level, lambda g: g >= g_high or r.g.direction == "increasing"
        )
        if g_state == "unknown" and r.g.direction == "increasing":
            g_state = "matched"
        g_ok = check.add(g_state, f"g_loss {_fmt(r.g.level)} rising or >= {g_high:g}")
    _sample_symptom(check, r, good_misses=True, cue="noise")
    if free:
        check.fits = True
    elif free is False and d_ok == "matched":
        check.fits = False
    else:
        check.fits = d_ok == "matched" and g_ok != "missed"
    return check


def _wgan_d_wins(check: Check, r: Reading) -> tuple[State, State]:
    """Check D winning on a critic scale: its loss falls below 0 while G's rises."""
    d_state: State = "unknown"
    if r.d.known:
        falling = r.d.direction == "decreasing" and (r.d.level or 0) < 0
        d_state = "matched" if falling else "missed"
    d_ok = check.add(d_state, "critic loss negative and falling")
    g_state: State = "unknown"
    if r.g.known:
        g_state = "matched" if r.g.direction == "increasing" else "missed"
    g_ok = check.add(g_state, "g_loss rising")
    return d_ok, g_ok


def _scale_free_wins(r: Reading) -> bool | None:
    """Return whether D's outputs or accuracies show D winning (None if absent)."""
    if r.d_x is not None and r.d_g_z is not None:
        return r.d_x >= D_OUTPUT_WINS.value and r.d_g_z <= 1 - D_OUTPUT_WINS.value
    if r.accuracy_real is not None and r.accuracy_fake is not None:
        wins = D_ACCURACY_WINS.value
        return r.accuracy_real >= wins and r.accuracy_fake >= wins
    return None


def _scale_free_chance(r: Reading) -> bool | None:
    """Return whether D's outputs or accuracies sit at chance (None if absent)."""
    low, high = D_OUTPUT_CHANCE
    if r.d_x is not None and r.d_g_z is not None:
        return low <= r.d_x <= high and low <= r.d_g_z <= high
    low, high = D_ACCURACY_CHANCE
    if r.accuracy_real is not None and r.accuracy_fake is not None:
        return low <= r.accuracy_real <= high and low <= r.accuracy_fake <= high
    return None


def _check_oscillation(r: Reading) -> Check:
    check = Check()
    d_ok = check.add(_swing_state(r.d), "d_loss swings widely epoch to epoch")
    g_ok = check.add(_swing_state(r.g), "g_loss swings widely epoch to epoch")
    flicker = _sample_symptom(check, r, good_misses=False, cue="flicker")
    both_swing = d_ok == "matched" and g_ok == "matched"
    samples_only = not r.d.known and not r.g.known and flicker == "matched"
    check.fits = both_swing or samples_only
    return check


def _swing_state(loss: LossReading) -> State:
    if loss.swings:
        return "matched"
    if loss.known or loss.direction in ("increasing", "decreasing", "flat"):
        return "missed"
    return "unknown"


def _check_mode_collapse(r: Reading, strict: bool) -> Check:
    check = Check()
    scale = r.scale
    samples = _sample_symptom(check, r, good_misses=True, cue="collapse")
    if samples == "unknown" and r.samples.described:
        # Samples described as noise or flicker are not a handful of outputs.
        samples = "missed"
    d_state: State = "unknown"
    g_state: State = "unknown"
    if scale.collapse_d is not None and scale.collapse_g_max is not None:
        low, high = scale.collapse_d
        # Every value must stay in the band: D swinging from 0.5 to 1.4 is
        # oscillation, not the moderate wobble of collapse.
        d_state = _compare(
            r.d.level, lambda d: all(low <= v <= high for v in r.d.values or (d,))
        )
        check.add(d_state, f"d_loss {_fmt(r.d.level)} in {low:g}-{high:g}")
        g_max = scale.collapse_g_max.value
        g_state = _compare(r.g.level, lambda g: g <= g_max)
        check.add(g_state, f"g_loss {_fmt(r.g.level)} low (<= {g_max:g})")
    swing: State = "unknown"
    if r.d.known:
        swing = "matched" if r.d.wobbles else "missed"
    if samples == "matched":
        if strict:
            check.fits = d_state != "missed" and g_state != "missed"
        else:
            # Measured: collapse had no single loss signature (0.8 / 1.5 flat on
            # one data set, 0.13 / 5.7 on another), so the samples decide. Noise
            # with no numbers at all is too vague to call collapse.
            check.fits = r.d.known or r.g.known or not r.samples.noise
    elif samples == "unknown":
        swing_state = check.add(swing, "d_loss oscillates")
        check.fits = (
            d_state == "matched" and g_state == "matched" and swing_state == "matched"
        )
    return check


def _check_equilibrium(r: Reading) -> Check:
    check = Check()
    scale = r.scale
    if scale.equilibrium_d is None or scale.equilibrium_g is None:
        # Critic losses have no chance level: at equilibrium they neither
        # trend nor swing, whatever their size.
        d_ok = check.add(_steady_state(r.d), "critic loss neither trends nor swings")
        g_ok = check.add(_steady_state(r.g), "g_loss neither trends nor swings")
    else:
        (d_low, d_high), (g_low, g_high) = scale.equilibrium_d, scale.equilibrium_g
        d_state = _compare(
            r.d.level, lambda d: _in_band(r.d, d, d_low, d_high) and _still(r.d)
        )
        d_ok = check.add(
            d_state, f"d_loss {_fmt(r.d.level)} static in {d_low:g}-{d_high:g}"
        )
        g_state = _compare(
            r.g.level, lambda g: _in_band(r.g, g, g_low, g_high) and _still(r.g)
        )
        g_ok = check.add(
            g_state, f"g_loss {_fmt(r.g.level)} static in {g_low:g}-{g_high:g}"
        )
    chance = _scale_free_chance(r)
    if chance is not None:
        check.add(
            "matched" if chance else "missed", "D's outputs or accuracies at chance"
        )
    samples = _sample_symptom(check, r, good_misses=False, cue="good")
    bad = r.samples.bad
    if bad:
        check.add("missed", "samples look reasonable")
    numbers = d_ok == "matched" and g_ok == "matched"
    check.fits = numbers and not bad and chance is not False
    if samples == "matched" and chance is True and not bad:
        check.fits = True
    return check


def _in_band(loss: LossReading, level: float, low: float, high: float) -> bool:
    """True when the level, and both ends of a range, lie inside the band."""
    if loss.is_range:
        return all(low <= value <= high for value in loss.values)
    return low <= level <= high


def _still(loss: LossReading) -> bool:
    """True when a loss is static, or its text shows no movement to judge.

    One value gives no movement at all, and a range ("1.9-2.1") is where the
    loss hovers: the band check on its ends decides.
    """
    if loss.static:
        return True
    if loss.direction in ("increasing", "decreasing", "oscillating"):
        return False
    return len(loss.values) < 2 or loss.is_range


def _steady_state(loss: LossReading) -> State:
    if not loss.known:
        return "unknown"
    trending = loss.direction in ("increasing", "decreasing")
    return "missed" if trending or loss.swings else "matched"


def _sample_symptom(check: Check, r: Reading, good_misses: bool, cue: str) -> State:
    text = {
        "noise": "samples look random or like noise",
        "collapse": "samples are a handful of outputs",
        "flicker": "samples flicker between epochs",
        "good": "samples look reasonable",
    }[cue]
    if not r.samples.described:
        return check.add("unknown", text)
    if getattr(r.samples, cue):
        return check.add("matched", text)
    if good_misses and r.samples.good:
        return check.add("missed", text)
    return check.add("unknown", text)


def _compare(value: float | None, test: Callable[[float], bool]) -> State:
    if value is None:
        return "unknown"
    return "matched" if test(value) else "missed"


def _run_checks(r: Reading, strict: bool) -> dict[ModeSlug, Check]:
    checks: dict[ModeSlug, Check] = {
        "diverged": _check_diverged(r),
        "frozen": _check_frozen(r),
        "vanishing_gradient": _check_vanishing(r),
        "d_wins": _check_d_wins(r),
        "mode_collapse": _check_mode_collapse(r, strict),
        "oscillation": _check_oscillation(r),
        "equilibrium": _check_equilibrium(r),
    }
    if strict:
        return {slug: check for slug, check in checks.items() if slug in SEED_MODES}
    return checks


def rank(checks: dict[ModeSlug, Check]) -> list[Candidate]:
    """Order candidates: fitting modes by precedence, then the rest by score."""
    order = {slug: index for index, slug in enumerate(PRECEDENCE)}
    ranked = sorted(
        checks.items(),
        key=lambda item: (
            not item[1].fits,
            -item[1].score if not item[1].fits else 0,
            order[item[0]],
        ),
    )
    return [
        Candidate(
            slug=slug,
            name=MODES[slug].name,
            fits=check.fits,
            score=check.score,
            matched=check.matched,
            missed=check.missed,
            unknown=check.unknown,
        )
        for slug, check in ranked
    ]


def choose_fix(
    candidates: list[Candidate], tried: Iterable[str]
) -> tuple[ModeSlug, Fix]:
    """Pick the first untried rung of the first fitting mode's ladder.

    When a fitting mode's rungs are all tried, the next fitting mode is used.
    When none is left, the result is no match.
    """
    done = set(tried)
    for candidate in candidates:
        if not candidate.fits:
            break
        for fix in MODES[candidate.slug].fixes:
            if fix.slug not in done:
                return candidate.slug, fix
    return "no_match", MODES["no_match"].fixes[0]


def diagnose(
    report: Report, *, strict: bool = False, tried: Iterable[str] = ()
) -> Diagnosis:
    """Triage ``report`` with the rules.

    ``strict`` applies only the five original modes on the summed-BCE scale.
    ``tried`` lists fix slugs already tried, which are never proposed again.
    """
    reading = read_report(report, strict=strict)
    checks = _run_checks(reading, strict)
    candidates = rank(checks)
    in_place = _fixes_in_place(reading, report)
    slug, fix = choose_fix(candidates, [*tried, *in_place])
    mode = MODES[slug]
    given = (
        report.d_accuracy_on_real is not None and report.d_accuracy_on_fake is not None
    )
    if slug == "no_match" and given and mode.followup_fix is not None:
        fix = mode.followup_fix
    retry_epochs = mode.retry.epochs(report.epochs)
    note = "; ".join(reading.notes) or None
    warnings = [*report.warnings, *reading.warnings]
    if slug == "vanishing_gradient" and in_place:
        warnings.append(
            "G's loss is above 0, which the saturating loss log(1 - D(G(z))) "
            "cannot reach, so G already uses the non-saturating loss"
        )
    if strict and reading.nonfinite:
        warnings.append("a loss is NaN or inf: the run diverged")
    return Diagnosis(
        failure=slug,
        failure_name=mode.name,
        evidence=format_evidence(report, note),
        fix=fix.text,
        fix_slug=fix.slug,
        retry=_retry_text(slug, retry_epochs),
        retry_epochs=retry_epochs,
        scale=reading.scale.loss_type,
        candidates=candidates,
        warnings=warnings,
        strict=strict,
    )


def _fixes_in_place(reading: Reading, report: Report) -> list[str]:
    """Fix slugs the report shows are already applied."""
    if report.g_objective == "non-saturating":
        return ["non_saturating_loss"]
    bce = reading.scale.loss_type in ("bce-sum", "bce-mean")
    level = reading.g.level
    if bce and not reading.saturating and level is not None and level > 0:
        return ["non_saturating_loss"]
    return []


def _retry_text(slug: ModeSlug, epochs: int) -> str:
    unit = "epoch" if epochs == 1 else "epochs"
    if slug == "no_match":
        return f"{epochs} {unit}: send what the fix line asks for, then triage again"
    return f"{epochs} {unit}, then triage again with the new numbers"
