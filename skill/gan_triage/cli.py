"""The gan-triage command line.

Each verb lives in a ``commands_*`` module that exposes ``register(subparsers)``
and a handler taking the parsed arguments and returning an exit code. Exit
codes: 0 done, 1 a failed check, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from . import __version__
from .errors import InputError

EPILOG = """examples:
  gan-triage triage examples/d_wins.yaml
  gan-triage triage --text "D loss fell from 0.69 to 0.0003 while errG climbed to 14"
  gan-triage triage --d-loss "1.2, 0.3, 0.01" --g-loss "2, 6, 11" --samples "noise"
  gan-triage check reply.txt --report examples/d_wins.yaml
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-triage",
        description=(
            "Read a GAN's loss trends, sample notes or training log and name "
            "exactly one failure mode with exactly one fix."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(subparsers)
    return parser


def _command_modules() -> list[ModuleType]:
    # Imported here so that `gan-triage --help` stays fast and so that a verb's
    # heavy imports load only when that verb runs.
    from . import (
        commands_chat,
        commands_check,
        commands_eval,
        commands_history,
        commands_modes,
        commands_report,
        commands_skill,
        commands_triage,
    )

    modules: list[ModuleType] = [commands_triage, commands_skill, commands_modes]
    modules.append(commands_check)
    modules.append(commands_report)
    modules.append(commands_history)
    modules.append(commands_chat)
    modules.append(commands_eval)
    return modules


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.handler(args)
    except InputError as error:
        print(f"gan-triage: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gan-triage: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
