"""Run histories on the command line: the ``history`` verb and ``triage --run``.

``gan-triage triage --run NAME`` keeps each answer in the run's history, so a
later ``gan-triage triage --run NAME --not-fixed`` (or a call with a new
report) continues the same conversation and moves down the fix ladder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .commands_triage import report_overrides, resolve_tried_flags
from .errors import InputError

if TYPE_CHECKING:
    from .followup import FollowUp
    from .history import Record
    from .ladder import Answerer, TurnResult
    from .report import Report

HISTORY_HELP = (
    "folder that holds run histories (default: $XDG_DATA_HOME/gan-triage/runs, "
    "else ~/.local/share/gan-triage/runs)"
)
EXAMPLES = """examples:
  gan-triage triage --run cifar-dcgan report.yaml
  gan-triage triage --run cifar-dcgan --not-fixed
  gan-triage history cifar-dcgan
  gan-triage history cifar-dcgan --json
  gan-triage history            # list the stored runs
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="show a run's reports, answers and outcomes",
        description=(
            "Show the conversation stored for a run by 'triage --run NAME' or "
            "'chat --run NAME': each turn's message, answer and outcome, and the "
            "fixes tried so far."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="run name; omit it to list runs")
    parser.add_argument("--history", metavar="PATH", help=HISTORY_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=show)


def history_root(path: str | None) -> Path | None:
    """The --history folder, or None for the default data directory."""
    return None if path is None else Path(path).expanduser()


def show(args: argparse.Namespace) -> int:
    from .history import RunHistory, list_runs

    root = history_root(args.history)
    if args.name is None:
        names = list_runs(root)
        if args.json:
            print(json.dumps({"runs": names}, indent=2))
        else:
            print("\n".join(names) if names else "no runs stored yet")
        return 0

    run = RunHistory(args.name, root)
    if not run.exists():
        raise InputError(
            f"run {args.name!r} not found in {run.root}; start it with "
            f"'gan-triage triage --run {args.name} REPORT'"
        )
    history = run.read()
    for warning in history.warnings:
        print(f"gan-triage: warning: {warning}", file=sys.stderr)
    if args.json:
        payload = {
            "run": run.name,
            "path": str(run.path),
            "records": [record.model_dump(mode="json") for record in history.records],
            "state": history.state.model_dump(mode="json"),
            "warnings": history.warnings,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(format_history(run.name, history.records))
    return 0


def format_history(name: str, records: list[Record]) -> str:
    """Render a run's records as numbered turns for reading."""
    lines = [f"run {name}: {len(records)} turn{'s' if len(records) != 1 else ''}"]
    for number, record in enumerate(records, start=1):
        if record.kind == "reset":
            lines.append(f"{number}. {record.time}  reset: the conversation restarted")
            continue
        said = record.message or "(no message)"
        outcome = f" [{record.outcome.replace('_', ' ')}]" if record.outcome else ""
        lines.append(f"{number}. {record.time}  {said}{outcome}")
        if record.answer is not None:
            answer = record.answer
            lines.append(
                f"   -> {answer.failure_name}: {answer.fix or answer.fix_text} "
                f"({answer.source})"
            )
        for note in record.notes:
            lines.append(f"   note: {note}")
    state = records[-1].state if records else None
    if state is not None:
        lines.append(f"tried so far: {', '.join(state.tried) or 'nothing'}")
        if state.grids:
            lines.append(f"sample grids recorded: {', '.join(state.grids)}")
    return "\n".join(lines)


def _has_report_input(args: argparse.Namespace) -> bool:
    return any(
        value is not None for value in (args.input, args.text, args.d_loss, args.g_loss)
    )


def _answerer(args: argparse.Namespace) -> Answerer:
    from .commands_triage import choose_backend
    from .ladder import ModelAnswerer, RulesAnswerer

    if choose_backend(args.backend) == "anthropic":
        return ModelAnswerer(model=args.model, strict=args.strict)
    return RulesAnswerer(strict=args.strict)


def run_triage_turn(args: argparse.Namespace) -> int:
    """Answer ``triage --run NAME``: one turn of the run's conversation."""
    from .followup import FollowUp
    from .history import RunHistory
    from .ladder import take_turn
    from .render import report_fields

    if args.run is None:
        flag = "--not-fixed" if args.not_fixed else "--history"
        raise InputError(f"{flag} needs --run NAME, the run to continue")
    run = RunHistory(args.run, history_root(args.history))
    report: Report | None = None
    mapping: dict[str, Any] | None = None
    if _has_report_input(args):
        from .commands_triage import load_input

        report = load_input(args)
        mapping = report_fields(report)
    evidence = {} if report is not None else report_overrides(args)
    followup = FollowUp(
        text="",
        outcome="not_fixed" if args.not_fixed else None,
        named_fixes=tuple(dict.fromkeys(resolve_tried_flags(args.tried))),
        fields=evidence,
    )
    with run.locked() as history:
        for warning in history.warnings:
            print(f"gan-triage: warning: {warning}", file=sys.stderr)
        state = history.state
        if report is None:
            _check_continuation(args, state.report is not None, followup)
        last = history.records[-1] if history.records else None
        repeat = (
            last is not None
            and last.answer is not None
            and mapping is not None
            and mapping == state.report
            and followup.is_empty
        )
        if repeat and last is not None and last.answer is not None:
            print(
                f"gan-triage: note: same report as the last turn of run "
                f"{run.name!r}; showing that answer again. Pass --not-fixed if its "
                "fix did not help.",
                file=sys.stderr,
            )
            if args.json:
                payload = {"run": run.name, "repeated": True}
                payload.update(last.answer.model_dump(mode="json"))
                print(json.dumps(payload, indent=2, ensure_ascii=False))
            else:
                print(last.answer.block)
            return 0
        answerer = _answerer(args)
        result = take_turn(state, followup, answerer, report=report, mapping=mapping)
        run.append(_record(args, result))

    _print_result(args, run.name, result)
    return 0


def _check_continuation(
    args: argparse.Namespace, has_report: bool, followup: FollowUp
) -> None:
    if not has_report:
        raise InputError(
            f"run {args.run!r} has no report yet; start it with "
            f"'gan-triage triage --run {args.run} REPORT'"
        )
    if followup.is_empty:
        raise InputError(
            f"--run {args.run} without a report needs --not-fixed, --tried FIX, or "
            "new evidence (--d-acc-real, --d-acc-fake, --samples)"
        )


def _message(args: argparse.Namespace) -> str:
    parts: list[str] = []
    if args.input is not None:
        parts.append(f"report {args.input}")
    elif args.text is not None:
        parts.append(f"message: {args.text}")
    elif args.d_loss is not None or args.g_loss is not None:
        parts.append("losses given as flags")
    if args.not_fixed:
        parts.append("--not-fixed")
    parts.extend(f"--tried {slug}" for slug in args.tried)
    evidence = report_overrides(args) if not _has_report_input(args) else {}
    parts.extend(f"{key}={value}" for key, value in evidence.items())
    return ", ".join(parts)


def _record(args: argparse.Namespace, result: TurnResult) -> Record:
    from .history import Record, now

    return Record(
        time=now(),
        kind="turn",
        message=_message(args),
        outcome=result.outcome,
        answer=None if result.answer is None else result.answer.record(),
        notes=result.notes,
        state=result.state,
    )


def _print_result(args: argparse.Namespace, name: str, result: TurnResult) -> None:
    answer = result.answer
    warnings = [] if answer is None else answer.diagnosis.warnings
    for warning in warnings:
        print(f"gan-triage: note: {warning}", file=sys.stderr)
    if args.json:
        payload = {
            "run": name,
            "failure": None if answer is None else answer.failure,
            "failure_name": None if answer is None else answer.failure_name,
            "fix": None if answer is None else answer.fix,
            "fix_text": None if answer is None else answer.fix_text,
            "block": None if answer is None else answer.block,
            "source": None if answer is None else answer.source,
            "message": result.message,
            "tried": result.state.tried,
            "notes": result.notes,
            "warnings": warnings,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for note in result.notes:
        print(f"gan-triage: note: {note}", file=sys.stderr)
    print(answer.block if answer is not None else result.message)
