"""The ``skill`` verb: render SKILL.md from the templates, or check it is current.

SKILL.md is generated from ``prompts/SKILL.md.j2`` and the catalog, so it is
never edited by hand. Without ``--output`` or ``--path``, the commands use the
SKILL.md beside the nearest ``pyproject.toml`` of gan-triage at or above the
current directory, which is the repository root when run from anywhere inside
the checkout. Outside a checkout they exit 2 and ask for an explicit path, so
that a render never leaves a stray SKILL.md behind.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from .errors import InputError
from .render import render_skill

# The diff `skill check` prints is cut after this many lines; the first lines
# are enough to see what changed, and `skill render` rewrites the whole file.
MAX_DIFF_LINES = 40
PROJECT_MARKER = 'name = "gan-triage"'


def default_skill_path(start: Path | None = None) -> Path:
    """Return SKILL.md beside gan-triage's pyproject.toml at or above ``start``."""
    start_dir = (start or Path.cwd()).resolve()
    for folder in (start_dir, *start_dir.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and PROJECT_MARKER in pyproject.read_text("utf-8"):
            return folder / "SKILL.md"
    raise InputError(
        f"{start_dir}: not inside a gan-triage checkout (no pyproject.toml of "
        "gan-triage here or above); run from the checkout, or pass the file with "
        "--path (check) or --output (render)"
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "skill",
        help="render SKILL.md from its templates, or check that it is current",
        description=(
            "Render SKILL.md from prompts/SKILL.md.j2 and the catalog, or check "
            "that the committed SKILL.md equals a fresh rendering. PATH defaults "
            "to the SKILL.md beside gan-triage's pyproject.toml at or above the "
            "current directory."
        ),
        epilog=(
            "examples:\n"
            "  gan-triage skill render\n"
            "  gan-triage skill render --output /tmp/gan-triage/SKILL.md\n"
            "  gan-triage skill check\n"
            "exit codes: 0 done or up to date, 1 SKILL.md differs or is missing, "
            "2 usage error"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="skill_action", metavar="ACTION")
    actions.required = True

    render = actions.add_parser("render", help="write SKILL.md")
    render.add_argument(
        "--output", "-o", type=Path, help="file to write (default: see above)"
    )
    render.set_defaults(handler=run_render)

    check = actions.add_parser(
        "check", help="exit 1 with a diff when SKILL.md is out of date"
    )
    check.add_argument(
        "--path", type=Path, help="SKILL.md to compare (default: see above)"
    )
    check.set_defaults(handler=run_check)


def run_render(args: argparse.Namespace) -> int:
    path: Path = args.output or default_skill_path()
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected the SKILL.md file to write")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: folder not found; create it first")
    path.write_text(render_skill(), encoding="utf-8", newline="\n")
    print(f"wrote {path}", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    path: Path = args.path or default_skill_path()
    expected = render_skill()
    if not path.is_file():
        print(
            f"{path}: not found; run `gan-triage skill render` to create it",
            file=sys.stderr,
        )
        return 1
    actual = path.read_text(encoding="utf-8")
    if actual == expected:
        print(f"{path}: up to date", file=sys.stderr)
        return 0
    diff = list(
        difflib.unified_diff(
            actual.splitlines(),
            expected.splitlines(),
            fromfile=str(path),
            tofile="rendered",
            lineterm="",
        )
    )
    visible_diff = diff[:MAX_DIFF_LINES] or [
        "(only line endings or the final newline differ)"
    ]
    if len(diff) > MAX_DIFF_LINES:
        visible_diff.append(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    print("\n".join(visible_diff))
    print(
        f"{path}: differs from the templates; run `gan-triage skill render`",
        file=sys.stderr,
    )
    return 1
