"""The ``report`` verb: turn a training log into an editable YAML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from .catalog import LOSS_TYPES
from .logs import DEFAULT_WINDOW, fields_from_log

HELP = f"""The YAML holds the fields `gan-triage triage` reads. Each trend lists
the per-epoch means of the last --window epochs (default {DEFAULT_WINDOW}) at
4 significant digits. Notes on how the log was read go to stderr. A last line
of a CSV or JSON Lines log that a crash cut off is skipped, with a note.

examples:
  gan-triage report metrics.csv --samples "every sample is the same grey blob"
  gan-triage report runs/version_0 --window 20 > report.yaml
  gan-triage report train.log --steps-per-epoch 1583 --d-col errD --g-col errG
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="read a training log and print the report it gives, as YAML",
        description=(
            "Read a training log (CSV/TSV, JSON Lines, TensorBoard event files or "
            "a run directory, console output) and print the derived report as "
            "YAML, to edit and pass to `gan-triage triage`."
        ),
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("log", type=Path, help="log file or TensorBoard run directory")
    parser.add_argument(
        "--samples", default="", help="what the generated samples look like"
    )
    parser.add_argument(
        "--d-col",
        help="name of the D loss column or tag (not the epoch or step column)",
    )
    parser.add_argument(
        "--g-col",
        help="name of the G loss column or tag (a different one from --d-col)",
    )
    parser.add_argument(
        "--window",
        type=_positive,
        default=DEFAULT_WINDOW,
        help=f"how many of the last epochs to report (default {DEFAULT_WINDOW})",
    )
    parser.add_argument(
        "--steps-per-epoch",
        type=_positive,
        help="group this many steps into one epoch when the log has no epoch column",
    )
    parser.add_argument(
        "--loss-type", choices=LOSS_TYPES, help="the objective the losses come from"
    )
    parser.add_argument(
        "--g-objective",
        choices=("non-saturating", "saturating"),
        help="G's objective: -log D(G(z)) (non-saturating) or log(1 - D(G(z)))",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    summary = fields_from_log(
        args.log,
        samples=args.samples,
        d_col=args.d_col,
        g_col=args.g_col,
        window=args.window,
        steps_per_epoch=args.steps_per_epoch,
        loss_type=args.loss_type,
        g_objective=args.g_objective,
    )
    for warning in summary.warnings:
        print(f"gan-triage: note: {warning}", file=sys.stderr)
    sys.stdout.write(
        yaml.safe_dump(summary.fields, sort_keys=False, allow_unicode=True)
    )
    return 0
