"""The ``modes`` verb: print the catalog of failure modes, fixes and scales."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .catalog import MODES, PRECEDENCE, SCALES, Retry


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "modes",
        help="list the failure modes, their fix ladders and the loss scales",
        description=(
            "Print every failure mode in the order it wins, with its symptoms, "
            "its ladder of single fixes and its retry advice, then what each "
            "loss scale's numbers mean."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(catalog_payload(), indent=2, ensure_ascii=False))
        return 0
    for slug in (*PRECEDENCE, "no_match"):
        mode = MODES[slug]
        marker = " (extension)" if mode.extension else ""
        print(f"{mode.name}{marker}  [{slug}]")
        for symptom in mode.symptoms:
            print(f"  symptom: {symptom}")
        for rung, fix in enumerate(mode.fixes, start=1):
            print(f"  fix {rung}:   {fix.text}")
        print(f"  retry:   {_retry_advice(mode.retry)}")
        print()
    print("Loss scales:")
    for scale in SCALES.values():
        print(f"  {scale.loss_type:9} {scale.label}")
        print(
            f"            at chance: {scale.at_chance}; D winning: {scale.when_d_wins}"
        )
    return 0


def _retry_advice(retry: Retry) -> str:
    unit = "epoch" if retry.base == 1 else "epochs"
    advice = f"{retry.base} {unit}"
    if retry.fraction > 0:
        advice += (
            f" (or {retry.fraction:.0%} of the epochs trained, at most {retry.cap})"
        )
    return advice


def catalog_payload() -> dict[str, Any]:
    """Build the JSON form of the catalog."""
    return {
        "precedence": list(PRECEDENCE),
        "modes": [
            {
                "slug": mode.slug,
                "name": mode.name,
                "extension": mode.extension,
                "summary": mode.summary,
                "symptoms": list(mode.symptoms),
                "fixes": [{"slug": fix.slug, "text": fix.text} for fix in mode.fixes],
                "retry": {
                    "base": mode.retry.base,
                    "fraction": mode.retry.fraction,
                    "cap": mode.retry.cap,
                },
            }
            for mode in MODES.values()
        ],
        "scales": [
            {
                "loss_type": scale.loss_type,
                "label": scale.label,
                "at_chance": scale.at_chance,
                "when_d_wins": scale.when_d_wins,
            }
            for scale in SCALES.values()
        ],
    }
