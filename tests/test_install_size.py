"""What `npx skills add` copies stays small.

SKILL.md sits at the repository root, so `skills add` (skills 1.7.4) copies every
committed file into the agent's skills folder, leaving out only `.git`,
`__pycache__`, `__pypackages__` and any `metadata.json`. The budget keeps an
install quick and keeps datasets, binaries and bulky cassettes out of the folder.
When it was set, the repository with the work then in progress held 0.93 MB in 127
files, most of it eval logs. 2 MB and 400 files leave room for those to double, and a
committed virtual environment or dataset (tens of megabytes) still fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 2_000_000
MAX_FILES = 400
EXCLUDED_DIRS = {".git", "__pycache__", "__pypackages__"}
EXCLUDED_FILES = {"metadata.json"}


def shipped(paths: list[str]) -> list[str]:
    """Return the paths that `skills add` copies, given repository-relative paths."""
    kept = []
    for path in paths:
        parts = PurePosixPath(path).parts
        if EXCLUDED_DIRS.intersection(parts[:-1]) or parts[-1] in EXCLUDED_FILES:
            continue
        kept.append(path)
    return kept


def tracked_files() -> list[str]:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return [path for path in result.stdout.split("\0") if path]


def installed_sizes() -> dict[str, int]:
    sizes = {}
    for path in shipped(tracked_files()):
        file = ROOT / path
        # A tracked file deleted in the working tree leaves with the next commit.
        if file.is_file():
            sizes[path] = file.stat().st_size
    return sizes


def test_excluded_names_dropped() -> None:
    paths = [
        "SKILL.md",
        "skill/gan_triage/__pycache__/cli.cpython-311.pyc",
        "__pypackages__/3.11/lib/x.py",
        "metadata.json",
        "examples/metadata.json",
        "examples/metadata.json.txt",
        "tests/data/git_notes.md",
    ]

    kept = shipped(paths)

    assert kept == ["SKILL.md", "examples/metadata.json.txt", "tests/data/git_notes.md"]


def test_skill_md_shipped() -> None:
    sizes = installed_sizes()

    assert "SKILL.md" in sizes


def test_install_bytes_budget() -> None:
    sizes = installed_sizes()
    largest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:5]

    assert sum(sizes.values()) <= MAX_BYTES, f"largest files: {largest}"


def test_install_files_budget() -> None:
    sizes = installed_sizes()

    assert len(sizes) <= MAX_FILES, f"{len(sizes)} files would be copied"
