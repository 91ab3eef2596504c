"""The ``check`` verb: validate a [triage] reply against the report it answers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import InputError
from .report import load_report
from .validate import validate_reply

HELP = """examples:
  gan-triage check reply.txt --report examples/d_wins.yaml
  cat reply.txt | gan-triage check - --report report.yaml --json

exit codes:
  0  the reply follows every rule
  1  the reply breaks a rule: one 'rule: message' line per finding
  2  bad input, such as a missing or empty file
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check a [triage] reply against the block's rules",
        description=(
            "Check a reply (from a model or written by hand) against the [triage] "
            "rules: one block with four fields, a catalog failure name, the "
            "user's numbers and sample notes quoted verbatim, exactly one fix, "
            "no 'train longer' outside equilibrium, and a retry in epochs."
        ),
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "reply", help="file that contains the reply; '-' reads it from stdin"
    )
    parser.add_argument(
        "--report",
        required=True,
        type=Path,
        help="the report the reply answers (YAML, JSON or free text)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"compliant": ..., "findings": [...]} as JSON',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = load_report(args.report)
    reply = _read_reply(args.reply)
    findings = validate_reply(reply, report)

    if args.json:
        payload = {
            "compliant": not findings,
            "findings": [finding.model_dump() for finding in findings],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    elif findings:
        for finding in findings:
            print(f"{finding.rule}: {finding.message}")
    else:
        print("compliant: the reply follows every [triage] rule")
    return 1 if findings else 0


def _read_reply(source: str) -> str:
    """Read the reply from a file or from stdin ("-"), raising InputError."""
    if source == "-":
        return _nonempty(sys.stdin.read(), "stdin")
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: file not found; expected a file with the reply")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a file with the reply")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not valid UTF-8 (byte {error.start}); save the reply as UTF-8"
        ) from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    return _nonempty(text, str(path))


def _nonempty(text: str, origin: str) -> str:
    if not text.strip():
        raise InputError(f"{origin}: the reply is empty; expected a [triage] reply")
    return text
