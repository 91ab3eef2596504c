"""The ``eval`` verb: run the eval suite, or compare two runs.

``gan-triage eval --backend rules --out DIR`` runs every case and writes the
per-trial log, the summary and the markdown report to DIR; with ``--baseline``
it exits 1 when accuracy falls below the committed figures. A model run
(``anthropic`` or ``replay``) in which the rule engine answered every trial
still writes DIR, but exits 1: it measured the rule engine, not the model.
``gan-triage eval compare A B`` prints two runs side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import InputError

EPILOG = """examples:
  gan-triage eval --backend rules --out runs/rules --baseline evals/baseline.json
  gan-triage eval --backend anthropic --cache evals-cache --out runs/model
  gan-triage eval --backend replay --cache evals-cache --out runs/replay
  gan-triage eval --backend replies --replies agent.jsonl --out runs/agent
  gan-triage eval compare runs/rules runs/model

exit status: 0 done; 1 accuracy below --baseline, or a model run in which the
model's reply was used for no trial; 2 invalid input or usage.
"""


def register(subparsers: Any) -> None:
    from .evals.backends import BACKENDS

    parser = subparsers.add_parser(
        "eval",
        help="run the eval suite or compare two runs",
        description=(
            "Run every eval case through a backend, score each reply and write "
            "cases.jsonl, summary.json and report.md; or compare two runs."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "words",
        nargs="*",
        metavar="compare A B",
        help="compare the run folders A and B instead of running",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="rules",
        help=(
            "what produces the replies: the rule engine, the live model, cached "
            "model replies, or a --replies file (default: rules)"
        ),
    )
    parser.add_argument(
        "--evals",
        type=Path,
        default=Path("evals"),
        help="folder that contains cases/ and data/ (default: evals)",
    )
    parser.add_argument(
        "--sets", help="comma-separated case sets to run (default: all)"
    )
    parser.add_argument(
        "--readings",
        default="expert,strict",
        help="comma-separated readings: expert, strict (default: both)",
    )
    parser.add_argument("--out", type=Path, help="folder for the run's reports")
    parser.add_argument("--model", help="model id for anthropic and replay")
    parser.add_argument(
        "--cache", type=Path, help="reply cache folder: written live, read by replay"
    )
    parser.add_argument(
        "--replies", type=Path, help="JSON Lines file of {id, reply} for replies"
    )
    parser.add_argument(
        "--baseline", type=Path, help="exit 1 when accuracy falls below this file"
    )
    parser.add_argument(
        "--price-input",
        type=float,
        default=3.0,
        help="input price in USD per million tokens, for the cost estimate",
    )
    parser.add_argument(
        "--price-output",
        type=float,
        default=15.0,
        help="output price in USD per million tokens, for the cost estimate",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: only on a terminal)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as JSON on stdout"
    )
    parser.set_defaults(handler=handle_eval)


def handle_eval(args: argparse.Namespace) -> int:
    if args.words:
        if len(args.words) != 3 or args.words[0] != "compare":
            raise InputError(
                f"eval: unexpected arguments {' '.join(args.words)!r}; expected "
                "'compare A B' or options only"
            )
        return _compare(Path(args.words[1]), Path(args.words[2]))
    if args.out is None:
        raise InputError("eval: --out DIR is required to write the run's reports")
    return _run(args)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _backend(args: argparse.Namespace) -> Any:
    from .evals.backends import ModelBackend, RepliesBackend, RulesBackend

    if args.backend == "rules":
        return RulesBackend()
    if args.backend == "replies":
        if args.replies is None:
            raise InputError("--backend replies needs --replies FILE")
        return RepliesBackend(args.replies)
    return ModelBackend(args.backend, args.model, args.cache)


def _run(args: argparse.Namespace) -> int:
    from .evals.cases import load_cases, parse_readings
    from .evals.gate import gate_failures, load_baseline
    from .evals.markdown import accuracy_table, coverage_line
    from .evals.progress import Progress
    from .evals.reports import write_run
    from .evals.runner import labelled_trials, run_eval, trials
    from .evals.summary import Prices, summarize

    readings = parse_readings(_split(args.readings))
    baseline = load_baseline(args.baseline) if args.baseline else None
    cases = load_cases(args.evals, _split(args.sets) or None)
    backend = _backend(args)
    planned = trials(cases, backend, readings)
    if not planned:
        raise InputError("eval: no cases to run for the chosen sets and backend")
    _note_unknown_replies(backend, cases)

    progress = Progress(len(planned), force=args.progress)
    records = run_eval(cases, backend, args.evals, readings, progress)
    # Only a replies file can leave cases out: every other backend covers all.
    loaded = labelled_trials(cases, readings) if args.backend == "replies" else None
    summary = summarize(
        records,
        backend=backend.name,
        prices=Prices(input=args.price_input, output=args.price_output),
        loaded_trials=loaded,
    )
    write_run(args.out, records, summary)

    coverage = coverage_line(summary)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        print("\n".join(accuracy_table(summary)))
        if coverage is not None:
            print(coverage)
        trials_word = "trial" if len(records) == 1 else "trials"
        print(f"wrote {len(records)} {trials_word} to {args.out}")
    if loaded is not None and len(records) < loaded:
        _warn_partial_coverage(args.replies, len(records), loaded)
    if summary["model_trials"]:
        print(
            f"gan-triage: note: re-ask rate {summary['reask_rate']:.1%}, fallback "
            f"rate {summary['fallback_rate']:.1%} over {summary['model_trials']} "
            f"model trials ({summary['http_requests']} HTTP requests)",
            file=sys.stderr,
        )
    no_model_answers = summary["model_trials"] and not summary["model_answered"]
    if no_model_answers:
        _warn_all_fell_back(summary)
    if summary["errors"]:
        print(
            f"gan-triage: note: {summary['errors']} trials ended in an error; "
            f"see the error field in {args.out / 'cases.jsonl'}",
            file=sys.stderr,
        )
    failures = [] if baseline is None else gate_failures(summary, baseline)
    for failure in failures:
        print(f"gan-triage: eval gate failed: {failure}", file=sys.stderr)
    return 1 if failures or no_model_answers else 0


def _warn_all_fell_back(summary: dict[str, Any]) -> None:
    reasons = ", ".join(
        f"{reason} x{count}"
        for reason, count in sorted(summary["fallback_reasons"].items())
    )
    print(
        f"gan-triage: error: the model answered none of the "
        f"{summary['model_trials']} trials; the rule engine answered every one "
        f"(fallback rate 100%; reasons: {reasons or 'none recorded'}). The "
        "final answer accuracy measures the rule engine, not the model.",
        file=sys.stderr,
    )


def _warn_partial_coverage(replies: Path, scored: int, loaded: int) -> None:
    print(
        f"gan-triage: warning: {replies} has replies for {scored} of the {loaded} "
        f"loaded trials, so the accuracy covers only those; add replies for the "
        f"other {loaded - scored} or narrow --sets",
        file=sys.stderr,
    )


def _note_unknown_replies(backend: Any, cases: list[Any]) -> None:
    replies = getattr(backend, "replies", None)
    if not isinstance(replies, dict):
        return
    known = {case.id for case in cases}
    unknown = sorted({case_id for case_id, _ in replies if case_id not in known})
    if not unknown:
        return
    if len(unknown) == 1:
        message = f"1 reply names no loaded case ({unknown[0]!r}); it is ignored"
    else:
        message = (
            f"{len(unknown)} replies name no loaded case, e.g. {unknown[0]!r}; "
            "they are ignored"
        )
    print(f"gan-triage: note: {message}", file=sys.stderr)


def _compare(run_a: Path, run_b: Path) -> int:
    from .evals.compare import render_comparison
    from .evals.reports import load_run

    print(
        render_comparison(str(run_a), load_run(run_a), str(run_b), load_run(run_b)),
        end="",
    )
    return 0
