"""The run store: one append-only JSON Lines file per named run.

Each line is one turn of the conversation about a run (the message, the report
used, the answer, the outcome) plus the state after it, so the last valid line
alone is enough to continue. Writers take an exclusive ``fcntl.flock`` on a
lock file beside the run file for the whole read-decide-append step, so two
processes never answer from the same state or interleave their lines.

A damaged line (invalid JSON or a record this version cannot read) is never
dropped silently: the whole file is first copied to ``<run>.jsonl.corrupt-<UTC
time>``, then the valid lines are written back, and the caller gets a warning
naming both files.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import InputError

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
APP_DIR = "gan-triage"


class RunState(BaseModel):
    """The state of a run's conversation after a turn."""

    # The report fields of the last report triaged, as build_report takes them.
    report: dict[str, Any] | None = None
    # Fixes already tried, as catalog slugs (or the fix text when a model
    # proposed a fix the catalog does not name), in the order they were tried.
    tried: list[str] = Field(default_factory=list)
    last_failure: str | None = None
    last_fix: str | None = None
    # Paths of sample grid images the user sent. They are recorded, never opened.
    grids: list[str] = Field(default_factory=list)


class AnswerRecord(BaseModel):
    """The answer given in one turn."""

    failure: str | None
    failure_name: str
    fix: str | None
    fix_text: str
    block: str
    source: str


class Record(BaseModel):
    """One line of a run file."""

    v: Literal[1] = 1
    time: str
    kind: Literal["turn", "reset"]
    message: str | None = None
    outcome: str | None = None
    answer: AnswerRecord | None = None
    notes: list[str] = Field(default_factory=list)
    state: RunState


def now() -> str:
    """Return the current UTC time as an ISO 8601 string."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_root() -> Path:
    """Return the default folder for run files, in the user's data directory.

    ``$XDG_DATA_HOME/gan-triage/runs`` when XDG_DATA_HOME is an absolute path
    (the XDG spec says to ignore a relative one), else
    ``~/.local/share/gan-triage/runs``.
    """
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else None
    if base is None:
        base = Path.home() / ".local" / "share"
    return base / APP_DIR / "runs"


def check_run_name(name: str) -> str:
    """Return ``name`` if it is a valid run name, else raise InputError."""
    if not RUN_NAME.fullmatch(name):
        raise InputError(
            f"run name {name!r} is invalid; use 1-64 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit (e.g. cifar-dcgan)"
        )
    return name


@dataclass
class HistoryRead:
    """The valid records of a run file and any warnings about damaged lines."""

    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None

    @property
    def state(self) -> RunState:
        """The state after the last valid record, or a fresh one."""
        return self.records[-1].state if self.records else RunState()


class RunHistory:
    """The history file of one named run under ``root``."""

    def __init__(self, name: str, root: Path | None = None) -> None:
        self.name = check_run_name(name)
        self.root = root if root is not None else default_root()
        self.path = self.root / f"{self.name}.jsonl"
        self.lock_path = self.root / f"{self.name}.lock"

    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self._make_root()
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    @contextmanager
    def locked(self) -> Iterator[HistoryRead]:
        """Hold the run's lock, yielding its records read (and repaired) under it.

        Call ``append`` only inside this block: flock locks belong to an open
        file, so taking the lock a second time in one process would deadlock.
        """
        with self._lock():
            yield self._read_and_repair()

    def read(self) -> HistoryRead:
        """Read the run under its lock, repairing damage as ``locked`` does."""
        with self.locked() as history:
            return history

    def append(self, record: Record) -> None:
        """Append one record as one line; the caller must hold ``locked``.

        No fsync: a crash may lose the newest record, but never damages an
        older one, and the next read reports a half-written line.
        """
        line = record.model_dump_json().encode("utf-8") + b"\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if _ends_without_newline(self.path):
                line = b"\n" + line
            os.write(descriptor, line)
        finally:
            os.close(descriptor)

    def add(self, record: Record) -> None:
        """Take the lock and append one record, without reading the file."""
        with self._lock():
            self.append(record)

    def _make_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise InputError(
                f"{self.root}: failed to create the run history folder "
                f"({error.strerror}); pass --history PATH to use another folder"
            ) from None
        if not self.root.is_dir():
            raise InputError(
                f"{self.root}: not a folder; --history expects a folder for run files"
            )

    def _read_and_repair(self) -> HistoryRead:
        if not self.path.exists():
            return HistoryRead()
        raw = self.path.read_bytes()
        result = HistoryRead()
        good_lines: list[bytes] = []
        damaged: list[int] = []
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if not line.strip():
                continue
            record = _parse_line(line)
            if record is None:
                damaged.append(number)
            else:
                result.records.append(record)
                good_lines.append(line)
        if damaged:
            result.backup = self._back_up()
            self._rewrite(good_lines)
            result.warnings.append(
                f"{self.path}: {_count(len(damaged), 'damaged line')} "
                f"({_line_list(damaged)}) could not be read; the whole file was "
                f"copied to {result.backup} and the run continues from its "
                f"{_count(len(good_lines), 'valid record')}"
            )
        return result

    def _back_up(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        shutil.copy2(self.path, backup)
        return backup

    def _rewrite(self, lines: list[bytes]) -> None:
        # Write-then-rename, so a crash leaves either the old or the new file.
        handle, temporary = tempfile.mkstemp(
            dir=self.root, prefix=f".{self.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as output:
                output.write(b"".join(line + b"\n" for line in lines))
                output.flush()
                os.fsync(output.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _parse_line(line: bytes) -> Record | None:
    try:
        data = json.loads(line.decode("utf-8"))
        return Record.model_validate(data)
    except (UnicodeDecodeError, json.JSONDecodeError, ValidationError):
        return None


def _ends_without_newline(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) != b"\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:5])
    more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
    return f"line {shown}{more}" if len(numbers) == 1 else f"lines {shown}{more}"


def list_runs(root: Path | None = None) -> list[str]:
    """Return the names of the runs stored under ``root``, sorted."""
    folder = root if root is not None else default_root()
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.jsonl"))
