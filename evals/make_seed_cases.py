"""Write evals/cases/seed.jsonl: reports on both sides of every catalog threshold.

Run from the repository root: ``.venv/bin/python evals/make_seed_cases.py``.
Thresholds are read from ``catalog.SCALES`` and the scale-free constants, so a
changed threshold moves the generated numbers with it.

Each case records two readings of its numbers. ``intended`` is the side worked
out by hand from the threshold (inside: the mode should fit; outside: it should
not). ``labels`` is the rule engine's verdict at generation time, the oracle:
scoring against it later catches any change in behaviour, and any case where
oracle and intended side disagree is listed when this script runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gan_triage import catalog
from gan_triage.report import build_report
from gan_triage.rules import diagnose

OUT = Path(__file__).resolve().parent / "cases" / "seed.jsonl"

# How far each generated level sits from its threshold: 20% on either side, far
# enough that 4-significant-digit printing cannot move it across.
INSIDE, OUTSIDE = 0.8, 1.2
NOT_DESCRIBED = "not described"


@dataclass(frozen=True)
class Probe:
    """One generated report and the side of a threshold it was built for."""

    name: str
    threshold: str
    value: float
    mode: str
    inside: bool
    fields: dict[str, Any]


def _num(value: float) -> str:
    return f"{value:.4g}"


def _series(values: list[float]) -> str:
    return ", ".join(_num(value) for value in values)


def _falling_to(level: float) -> str:
    """Write a steady fall that ends at ``level``, so its level is ``level``."""
    return _series([level * 1.3, level * 1.15, level])


def _flat_at(level: float) -> str:
    """Write three values within 1% of ``level``: static on every scale.

    A level of 0 (hinge G at chance) gets a small jitter, because a loss that is
    exactly 0 at every step reads as a frozen run.
    """
    if level == 0:
        return "0.02, -0.02, 0.01"
    return _series([level * 1.01, level * 0.99, level])


def _probe_pair(
    name: str, threshold: str, value: float, mode: str, build: Any
) -> Iterator[Probe]:
    for inside in (True, False):
        yield Probe(name, threshold, value, mode, inside, build(inside))


def d_wins_probes(scale: catalog.Scale) -> Iterator[Probe]:
    if scale.d_near_zero is None or scale.g_high is None:
        return
    d_max, g_min = scale.d_near_zero.value, scale.g_high.value
    g_level = g_min * 1.5

    def by_d(inside: bool) -> dict[str, Any]:
        d_level = d_max * (INSIDE if inside else OUTSIDE)
        return {"d_loss_trend": _falling_to(d_level), "g_loss_trend": _flat_at(g_level)}

    yield from _probe_pair("d_level", "d_near_zero", d_max, "d_wins", by_d)

    def by_g(inside: bool) -> dict[str, Any]:
        g = g_min * (OUTSIDE if inside else INSIDE)
        return {"d_loss_trend": _falling_to(d_max * 0.6), "g_loss_trend": _flat_at(g)}

    yield from _probe_pair("g_level", "g_high", g_min, "d_wins", by_g)


def vanishing_probes(scale: catalog.Scale) -> Iterator[Probe]:
    if scale.vanish_d_max is None or scale.vanish_g_min is None:
        return
    d_max, g_min = scale.vanish_d_max.value, scale.vanish_g_min.value

    def by_d(inside: bool) -> dict[str, Any]:
        d_level = d_max * (INSIDE if inside else OUTSIDE)
        return {
            "d_loss_trend": _falling_to(d_level),
            "g_loss_trend": _flat_at(g_min * 1.3),
        }

    yield from _probe_pair("d_level", "vanish_d_max", d_max, "vanishing_gradient", by_d)

    def by_g(inside: bool) -> dict[str, Any]:
        g = g_min * (OUTSIDE if inside else INSIDE)
        return {"d_loss_trend": _falling_to(d_max * 0.5), "g_loss_trend": _flat_at(g)}

    yield from _probe_pair("g_level", "vanish_g_min", g_min, "vanishing_gradient", by_g)


def collapse_probes(scale: catalog.Scale) -> Iterator[Probe]:
    if scale.collapse_d is None or scale.collapse_g_max is None:
        return
    low, high = scale.collapse_d
    width = high - low
    g_max = scale.collapse_g_max.value
    # A wobble of 40% of the band: past the static limit, far below a swing.
    middle = [low + width * f for f in (0.3, 0.7, 0.35, 0.72, 0.32)]

    def by_low(inside: bool) -> dict[str, Any]:
        offsets = (0.04, 0.4, 0.1, 0.44, 0.06) if inside else (-0.3, -0.04, -0.28)
        values = [low + width * f for f in offsets]
        return {"d_loss_trend": _series(values), "g_loss_trend": _flat_at(g_max / 2)}

    yield from _probe_pair("d_low_edge", "collapse_d.low", low, "mode_collapse", by_low)

    def by_high(inside: bool) -> dict[str, Any]:
        offsets = (-0.04, -0.4, -0.1, -0.44, -0.06) if inside else (0.3, 0.04, 0.28)
        values = [high + width * f for f in offsets]
        return {"d_loss_trend": _series(values), "g_loss_trend": _flat_at(g_max / 2)}

    yield from _probe_pair(
        "d_high_edge", "collapse_d.high", high, "mode_collapse", by_high
    )

    def by_g(inside: bool) -> dict[str, Any]:
        g = g_max * (INSIDE if inside else OUTSIDE)
        return {"d_loss_trend": _series(middle), "g_loss_trend": _flat_at(g)}

    yield from _probe_pair("g_level", "collapse_g_max", g_max, "mode_collapse", by_g)


def equilibrium_probes(scale: catalog.Scale) -> Iterator[Probe]:
    if scale.equilibrium_d is None or scale.equilibrium_g is None:
        return
    d_band, g_band = scale.equilibrium_d, scale.equilibrium_g
    d_mid, g_mid = sum(d_band) / 2, sum(g_band) / 2
    for loss, band, other in (("d", d_band, g_mid), ("g", g_band, d_mid)):
        width = band[1] - band[0]
        for edge, bound, sign in (("low", band[0], 1), ("high", band[1], -1)):
            # 10% of the band's width inside or outside the edge.

            def build(
                inside: bool,
                bound: float = bound,
                sign: int = sign,
                width: float = width,
                loss: str = loss,
                other: float = other,
            ) -> dict[str, Any]:
                level = bound + sign * width * (0.1 if inside else -0.1)
                d, g = (level, other) if loss == "d" else (other, level)
                return {"d_loss_trend": _flat_at(d), "g_loss_trend": _flat_at(g)}

            yield from _probe_pair(
                f"{loss}_{edge}_edge",
                f"equilibrium_{loss}.{edge}",
                bound,
                "equilibrium",
                build,
            )


def _rest_levels(scale: catalog.Scale) -> tuple[float, float]:
    """Levels at which losses rest on a scale; WGAN critics get a typical pair."""
    if scale.d_chance is None or scale.g_chance is None:
        return -1.5, 2.0
    return scale.d_chance.value, scale.g_chance.value


def swing_probes(scale: catalog.Scale) -> Iterator[Probe]:
    d_rest, g_rest = _rest_levels(scale)
    limit = catalog.SWING_RATIO.value

    def alternating(rest: float, floor: float, ratio: float) -> str:
        # Alternating values rest +- a have a mean step of 2a, so the swing
        # ratio is 2a / max(|rest|, floor).
        size = max(abs(rest), floor)
        amplitude = ratio * size / 2
        return _series([rest + amplitude * (-1) ** i for i in range(6)])

    def build(inside: bool) -> dict[str, Any]:
        ratio = limit * (1.3 if inside else 0.7)
        return {
            "d_loss_trend": alternating(d_rest, scale.swing_floor_d, ratio),
            "g_loss_trend": alternating(g_rest, scale.swing_floor_g, ratio),
        }

    yield from _probe_pair("swing", "SWING_RATIO", limit, "oscillation", build)


def static_probes(scale: catalog.Scale) -> Iterator[Probe]:
    d_rest, g_rest = _rest_levels(scale)
    limit = catalog.STATIC_RATIO.value

    def build(inside: bool) -> dict[str, Any]:
        # A span of 60% or 150% of the static limit, on D only.
        size = max(abs(d_rest), scale.swing_floor_d)
        span = limit * size * (0.6 if inside else 1.5)
        d_values = [d_rest, d_rest + span / 2, d_rest - span / 2, d_rest]
        return {"d_loss_trend": _series(d_values), "g_loss_trend": _flat_at(g_rest)}

    yield from _probe_pair("d_static", "STATIC_RATIO", limit, "equilibrium", build)


def scale_free_probes() -> Iterator[Probe]:
    """D's outputs and accuracies, beside losses that fit no mode on their own."""
    wins = catalog.D_OUTPUT_WINS.value
    base = {"d_loss_trend": "0.6, 0.45, 0.5", "g_loss_trend": "2.1, 2.6, 3.0"}

    def outputs(inside: bool) -> dict[str, Any]:
        margin = 0.05 if inside else -0.05
        return {
            **base,
            "d_x": round(wins + margin, 3),
            "d_g_z": round(1 - wins - margin, 3),
        }

    yield from _probe_pair("d_outputs", "D_OUTPUT_WINS", wins, "d_wins", outputs)
    accuracy = catalog.D_ACCURACY_WINS.value

    def accuracies(inside: bool) -> dict[str, Any]:
        level = f"{(accuracy + (0.05 if inside else -0.05)) * 100:.0f}%"
        return {**base, "d_accuracy_on_real": level, "d_accuracy_on_fake": level}

    yield from _probe_pair(
        "d_accuracy", "D_ACCURACY_WINS", accuracy, "d_wins", accuracies
    )


def broken_run_probes() -> Iterator[Probe]:
    """Diverged and frozen runs have no threshold: present against absent."""

    def nonfinite(inside: bool) -> dict[str, Any]:
        last = "nan" if inside else "0.91"
        return {"d_loss_trend": f"0.82, 0.87, {last}", "g_loss_trend": "1.9, 2.2, 2.0"}

    yield from _probe_pair("nan", "nonfinite", float("nan"), "diverged", nonfinite)

    def constant(inside: bool) -> dict[str, Any]:
        d = "1.398, 1.398, 1.398, 1.398" if inside else "1.398, 1.31, 1.42, 1.35"
        g = "0.693, 0.693, 0.693, 0.693" if inside else "0.693, 0.75, 0.66, 0.71"
        return {"d_loss_trend": d, "g_loss_trend": g}

    yield from _probe_pair("constant", "exact_constant", 0.0, "frozen", constant)


def all_probes() -> Iterator[tuple[str, Probe]]:
    for loss_type, scale in catalog.SCALES.items():
        for probes in (
            d_wins_probes,
            vanishing_probes,
            collapse_probes,
            equilibrium_probes,
            swing_probes,
            static_probes,
        ):
            for probe in probes(scale):
                yield loss_type, probe
    for probe in scale_free_probes():
        yield "bce-sum", probe
    for probe in broken_run_probes():
        yield "bce-sum", probe


def make_case(loss_type: str, probe: Probe) -> dict[str, Any]:
    side = "inside" if probe.inside else "outside"
    case_id = f"seed/{loss_type}/{probe.mode}/{probe.name}/{side}"
    fields = {"loss_type": loss_type, "sample_notes": NOT_DESCRIBED, **probe.fields}
    report = build_report(fields, case_id)
    labels = {"expert": diagnose(report).failure}
    # The strict reading is defined on the summed-BCE scale only.
    if loss_type == "bce-sum":
        labels["strict"] = diagnose(report, strict=True).failure
    threshold = "" if probe.value != probe.value else f"={probe.value:.4g}"
    return {
        "id": case_id,
        "set": "seed",
        "input": {"kind": "fields", "fields": fields},
        "labels": labels,
        "intended": {"mode": probe.mode, "side": side},
        "tags": {
            "loss_type": loss_type,
            "source": "generated",
            "threshold": f"{probe.threshold}{threshold}",
        },
        "label_source": "rule engine verdict when generated (oracle)",
    }


def disagrees(case: dict[str, Any]) -> bool:
    """True when the oracle's verdict contradicts the hand-derived side."""
    intended, label = case["intended"], case["labels"]["expert"]
    if intended["side"] == "inside":
        return bool(label != intended["mode"])
    return bool(label == intended["mode"])


def main() -> None:
    cases = [make_case(loss_type, probe) for loss_type, probe in all_probes()]
    lines = [json.dumps(case, ensure_ascii=False, sort_keys=True) for case in cases]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT.name}")
    for case in cases:
        if disagrees(case):
            print(
                f"  oracle differs from the intended side: {case['id']} -> "
                f"{case['labels']['expert']}"
            )


if __name__ == "__main__":
    main()
