"""The ``triage`` verb: read a report, a log or free text and print the block."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .catalog import LOSS_TYPES
from .errors import InputError
from .report import (
    Report,
    build_report,
    parse_mapping_text,
    read_text_file,
)

HELP = """examples:
  gan-triage triage examples/d_wins.yaml
  gan-triage triage metrics.csv --samples "every sample is the same grey blob"
  gan-triage triage --text "D loss fell from 0.69 to 0.0003 while errG climbed to 14"
  gan-triage triage --d-loss "1.2, 0.3, 0.01" --g-loss "2, 6, 11" --samples "noise"
  cat report.yaml | gan-triage triage - --json
  gan-triage triage --run cifar-dcgan report.yaml
  gan-triage triage --run cifar-dcgan --not-fixed
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "triage",
        help="name one failure mode and one fix for a training report or log",
        description=(
            "Read a report (YAML or JSON), a free-text message, or a training log "
            "(CSV, JSONL, TensorBoard, console) and print a [triage] block."
        ),
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "input",
        nargs="?",
        help="report or log file; '-' reads the report from stdin",
    )
    parser.add_argument("--text", help="the report as a free-text message")
    parser.add_argument("--d-loss", help="D's loss trend, e.g. '0.9, 0.4, 0.1'")
    parser.add_argument("--g-loss", help="G's loss trend, e.g. '1.0, 3.5, 7.2'")
    parser.add_argument("--samples", help="what the generated samples look like")
    parser.add_argument(
        "--loss-type",
        choices=LOSS_TYPES,
        help="the objective the losses come from (default: read from the report, "
        "else inferred, else bce-sum)",
    )
    parser.add_argument(
        "--g-objective",
        choices=("non-saturating", "saturating"),
        help="G's objective: -log D(G(z)) (non-saturating) or log(1 - D(G(z)))",
    )
    parser.add_argument("--epochs", type=int, help="epochs trained so far")
    parser.add_argument(
        "--d-acc-real", help="D's accuracy on real samples (0-1 or a percentage)"
    )
    parser.add_argument(
        "--d-acc-fake", help="D's accuracy on generated samples (0-1 or a percentage)"
    )
    parser.add_argument(
        "--tried",
        action="append",
        default=[],
        metavar="FIX",
        help="a fix already tried, by name (spectral_norm) or in words "
        "('spectral norm'); repeatable",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="apply only the five original modes on the summed-BCE scale",
    )
    parser.add_argument("--json", action="store_true", help="print JSON, not the block")
    runs = parser.add_argument_group("run history")
    runs.add_argument(
        "--run",
        metavar="NAME",
        help="keep this run's reports, answers and outcomes, so later calls with "
        "the same NAME continue the conversation (see 'gan-triage history')",
    )
    runs.add_argument(
        "--not-fixed",
        action="store_true",
        help="the last fix given for --run NAME did not help: give the next one "
        "(re-uses the run's last report when no new one is given)",
    )
    runs.add_argument(
        "--history",
        metavar="PATH",
        help="folder that holds run histories (default: "
        "$XDG_DATA_HOME/gan-triage/runs, else ~/.local/share/gan-triage/runs)",
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "rules", "anthropic"),
        default="auto",
        help="auto (default): the model when ANTHROPIC_API_KEY is set, else rules",
    )
    parser.add_argument("--model", help="Claude model id for the model backend")
    logs = parser.add_argument_group("training logs")
    logs.add_argument("--d-col", help="the log column holding D's loss")
    logs.add_argument("--g-col", help="the log column holding G's loss")
    logs.add_argument(
        "--window",
        type=int,
        default=10,
        help="how many of the last epochs to read (default: 10)",
    )
    logs.add_argument(
        "--steps-per-epoch",
        type=int,
        help="group this many log records into one epoch when there is no epoch column",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.run is not None or args.not_fixed or args.history is not None:
        from .commands_history import run_triage_turn

        return run_triage_turn(args)
    report = load_input(args)
    backend = choose_backend(args.backend)
    if backend == "anthropic":
        from .loop import answer_with_model

        return answer_with_model(report, args)

    from .rules import diagnose

    tried = [*report.fixes_already_tried, *resolve_tried_flags(args.tried)]
    diagnosis = diagnose(report, strict=args.strict, tried=tried)
    for warning in diagnosis.warnings:
        print(f"gan-triage: note: {warning}", file=sys.stderr)
    if args.json:
        payload = diagnosis_payload(diagnosis, report, source="rules")
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(diagnosis.block)
    return 0


def resolve_tried_flags(values: list[str]) -> list[str]:
    """Turn each --tried value into fix slugs, rejecting one that names none."""
    from .followup import find_fixes

    slugs: list[str] = []
    for value in values:
        found = find_fixes(value)
        if not found:
            raise InputError(
                f"--tried {value!r} names no known fix; run `gan-triage modes` for "
                "the fix names, e.g. --tried spectral_norm"
            )
        slugs.extend(found)
    return slugs


def choose_backend(requested: str) -> str:
    """Resolve ``auto`` and check that the model backend has a key."""
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY"))
    if requested == "anthropic" and not has_key:
        raise InputError(
            "--backend anthropic needs ANTHROPIC_API_KEY set; export it, or use "
            "--backend rules to answer offline"
        )
    if requested == "auto":
        if has_key:
            return "anthropic"
        print(
            "gan-triage: note: ANTHROPIC_API_KEY is not set; answering with the "
            "rule engine",
            file=sys.stderr,
        )
        return "rules"
    return requested


def diagnosis_payload(diagnosis: Any, report: Report, source: str) -> dict[str, Any]:
    """Build the JSON form of a rule-engine diagnosis.

    The model path (``loop.outcome_payload``) starts from this dict and
    replaces the answer's fields, so the keys here are the keys of every
    ``triage --json`` answer.
    """
    return {
        "failure": diagnosis.failure,
        "failure_name": diagnosis.failure_name,
        "evidence": diagnosis.evidence,
        "fix": diagnosis.fix,
        "fix_slug": diagnosis.fix_slug,
        "retry": diagnosis.retry,
        "retry_epochs": diagnosis.retry_epochs,
        "source": source,
        "scale": diagnosis.scale,
        "strict": diagnosis.strict,
        "candidates": [candidate.model_dump() for candidate in diagnosis.candidates],
        "warnings": diagnosis.warnings,
        "report": report.model_dump(mode="json"),
    }


def load_input(args: argparse.Namespace) -> Report:
    """Build the report from a file, a log, stdin, --text or the loss flags."""
    overrides = report_overrides(args)
    _reject_two_reports(args)
    if args.input and args.input != "-":
        path = Path(args.input)
        if _is_log(path):
            from .logs import report_from_log

            return report_from_log(
                path,
                samples=args.samples or "",
                d_col=args.d_col,
                g_col=args.g_col,
                window=args.window,
                steps_per_epoch=args.steps_per_epoch,
                loss_type=args.loss_type,
                g_objective=args.g_objective,
            )
        text = read_text_file(path)
        return _from_text(text, str(path), path.suffix.lower() == ".txt", overrides)
    if args.text is not None:
        if not args.text.strip():
            raise InputError("--text is empty; pass the report as a message")
        return _from_text(args.text, "--text", True, overrides)
    if args.input == "-" or (args.d_loss is None and args.g_loss is None):
        if args.input != "-" and sys.stdin.isatty():
            raise InputError(
                "no report given; pass a report or log file, '-' for stdin, "
                "--text, or --d-loss and --g-loss"
            )
        text = sys.stdin.read()
        if not text.strip():
            raise InputError("<stdin>: empty; expected a report")
        return _from_text(text, "<stdin>", False, overrides)
    mapping = {
        "d_loss_trend": args.d_loss or "not reported",
        "g_loss_trend": args.g_loss or "not reported",
    }
    return build_report({**mapping, **overrides}, "flags")


def _reject_two_reports(args: argparse.Namespace) -> None:
    """Refuse a file, --text and --d-loss/--g-loss given together.

    Each is a whole report; silently using one would drop what the user typed
    in the others.
    """
    sources = [
        name
        for name, given in (
            ("a report file", bool(args.input)),
            ("--text", args.text is not None),
            ("--d-loss/--g-loss", args.d_loss is not None or args.g_loss is not None),
        )
        if given
    ]
    if len(sources) > 1:
        raise InputError(
            f"got {' and '.join(sources)}; give the report one way only (use "
            "--samples, --loss-type and the other flags to add to a report)"
        )


def _is_log(path: Path) -> bool:
    # A .txt file may be a free-text report or a console log such as
    # pytorch-CycleGAN's loss_log.txt, so its content decides.
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return False
    if not path.exists():
        return False
    from .logs import is_log

    return is_log(path)


def _from_text(
    text: str, origin: str, prose: bool, overrides: dict[str, Any]
) -> Report:
    mapping = None if prose else parse_mapping_text(text, origin)
    if mapping is None:
        from .freetext import parse_free_text

        mapping = parse_free_text(text, origin)
    return build_report({**mapping, **overrides}, origin)


def report_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Report fields given as flags, which win over the file's own."""
    pairs = {
        "sample_notes": args.samples,
        "loss_type": args.loss_type,
        "g_objective": args.g_objective,
        "epochs": args.epochs,
        "d_accuracy_on_real": args.d_acc_real,
        "d_accuracy_on_fake": args.d_acc_fake,
    }
    return {key: value for key, value in pairs.items() if value is not None}
