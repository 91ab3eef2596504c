"""Tell a training log from a written report, and which kind of log it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from . import loss_log
from .columns import role_of
from .console import DCGAN_PREFIX, parse_line
from .tensorboard import event_files

LogFormat = Literal["csv", "jsonl", "tensorboard", "console"]

SUFFIX_FORMATS: dict[str, LogFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# Extensions that are logs, but whose lines may be CSV, JSON or console text.
CONSOLE_SUFFIXES = frozenset({".log", ".out"})
SNIFF_BYTES = 8192


def _head_lines(path: Path) -> list[str]:
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if b"\x00" in head:
        return []
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # The last line may be cut off by the sniff limit.
    return lines[:-1] if len(head) == SNIFF_BYTES and len(lines) > 1 else lines


def _has_loss(names: list[str]) -> bool:
    return any(role_of(name) in ("d", "g") for name in names)


def _looks_jsonl(lines: list[str]) -> bool:
    if not lines or not lines[0].startswith("{"):
        return False
    try:
        first = json.loads(lines[0])
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and _has_loss([str(key) for key in first])


def _looks_csv(lines: list[str]) -> bool:
    if len(lines) < 2:
        return False
    header = lines[0]
    delimiter = "\t" if "\t" in header and "," not in header else ","
    names = [cell.strip().strip('"') for cell in header.split(delimiter)]
    return len(names) > 1 and _has_loss(names)


def _looks_console(lines: list[str]) -> bool:
    if any(DCGAN_PREFIX.match(line) and "loss_d" in line.lower() for line in lines):
        return True
    # pytorch-CycleGAN-and-pix2pix names its losses D_A, G_GAN and so on,
    # which no alias covers, so its line prefix alone marks the log.
    if any(loss_log.PREFIX.match(line) and parse_line(line)[1] for line in lines):
        return True
    both = 0
    for line in lines:
        roles = {role_of(name) for name in parse_line(line)[1]}
        if {"d", "g"} <= roles:
            both += 1
    return both >= 2


def detect_format(path: Path) -> LogFormat | None:
    """Return the log format of ``path``, or None when it is not a log."""
    if path.is_dir():
        return "tensorboard" if event_files(path) else None
    if not path.is_file():
        return None
    if "tfevents" in path.name:
        return "tensorboard"
    suffix = path.suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    lines = _head_lines(path)
    if _looks_jsonl(lines):
        return "jsonl"
    if _looks_csv(lines):
        return "csv"
    if _looks_console(lines) or suffix in CONSOLE_SUFFIXES:
        return "console"
    return None


def is_log(path: Path) -> bool:
    """True when ``path`` is a training log rather than a written report.

    Logs are known by extension (.csv, .tsv, .jsonl, .ndjson, .log, .out), by a
    TensorBoard event file name or a directory holding event files, or by their
    first lines: a header row naming a D or G loss, a JSON object with a D or
    G loss, or console lines that print both losses.
    """
    return detect_format(path) is not None
