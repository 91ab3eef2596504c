"""The ``chat`` verb: triage a run over several turns, in a terminal or from a pipe."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .commands_history import HISTORY_HELP, history_root

EXAMPLES = """examples:
  gan-triage chat
  gan-triage chat --run cifar-dcgan
  printf 'report.yaml\\nstill the same after 10 epochs\\n' | gan-triage chat --echo

Without a terminal, each line is a turn, except that a line opening a report
(d_loss_trend: ..., ---, or {) starts a turn that runs to the next blank line.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="triage interactively: paste a report, then reply in plain words",
        description=(
            "Paste a report, a log path or a description of the losses, get a "
            "[triage] block, then reply in plain words ('still the same after 10 "
            "epochs') to get the next fix on the ladder."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--run",
        metavar="NAME",
        help="keep the conversation in this run's history (shared with "
        "'triage --run NAME')",
    )
    parser.add_argument("--history", metavar="PATH", help=HISTORY_HELP)
    parser.add_argument(
        "--backend",
        choices=("auto", "rules", "anthropic"),
        default="auto",
        help="auto (default): the model when ANTHROPIC_API_KEY is set, else rules",
    )
    parser.add_argument("--model", help="Claude model id for the model backend")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="apply only the five original modes on the summed-BCE scale",
    )
    parser.add_argument(
        "--echo",
        action="store_true",
        help="print each turn read before its answer, so piped output reads as "
        "a transcript",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .chat import ChatSession, banner, run_chat, stdin_reader
    from .commands_triage import choose_backend
    from .history import RunHistory
    from .ladder import Answerer, ModelAnswerer, RulesAnswerer

    backend = choose_backend(args.backend)
    answerer: Answerer
    if backend == "anthropic":
        answerer = ModelAnswerer(model=args.model, strict=args.strict)
    else:
        answerer = RulesAnswerer(strict=args.strict)
    run_history = None
    if args.run is not None:
        run_history = RunHistory(args.run, history_root(args.history))
    session = ChatSession(answerer=answerer, out=sys.stdout, run=run_history)

    interactive = sys.stdin.isatty()
    if interactive:
        print(banner("model" if backend == "anthropic" else "rule engine"))
        print()
    return run_chat(session, stdin_reader(), interactive=interactive, echo=args.echo)
