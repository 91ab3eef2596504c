"""The conversation loop behind ``gan-triage chat``.

A turn is one of: a report pasted as YAML or JSON, the path of a report or log
file, a follow-up in plain words ("still the same after 10 epochs"), evidence
asked for after a no match (accuracies, a sample description, a grid path), or
a command (/help, /reset, /quit). Every answer goes through ``ladder``, so the
chat walks the same fix ladder as ``triage --run``.

How lines become turns is the same with and without a terminal: a line that
opens a report (``---``, ``{`` or a report key such as ``d_loss_trend:``)
starts a multi-line turn that ends at the next blank line or at end of input.
Any other line is a turn by itself. Without a terminal, no prompts are
printed, so a script can pipe turns in.
"""

from __future__ import annotations

import atexit
import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .errors import InputError
from .followup import IMAGE_PATH, read_followup
from .history import Record, RunHistory, RunState, default_root, now
from .ladder import Answerer, TurnResult, take_turn
from .render import report_fields
from .report import KNOWN_KEYS, Report, load_report

logger = logging.getLogger(__name__)

PROMPT = "you> "
# Lines kept in the readline history file across sessions.
HISTORY_LENGTH = 1000
CONTINUATION = "...  "
REPORT_START = re.compile(
    r"\s*(?:---\s*$|\{|(?:" + "|".join(KNOWN_KEYS) + r")\s*:)", re.IGNORECASE
)
COMMAND = re.compile(r"/[A-Za-z]+(?:\s|$)")
REPORT_SUFFIXES = (".yaml", ".yml", ".json", ".txt")
# A one-word turn with one of these suffixes names a file, even a missing one.
FILE_SUFFIXES = (*REPORT_SUFFIXES, ".csv", ".tsv", ".jsonl", ".log")
HELP_TEXT = """\
Paste a training report, give a file path, or reply in plain words.

  report     YAML or JSON, e.g. d_loss_trend: "0.9, 0.4, 0.1" on its first
             line; a blank line ends it
  file       the path of a report (.yaml, .json, .txt) or a training log
  follow-up  "still the same after 10 epochs", "spectral norm didn't change
             anything", "that fixed it", "ok I did that, now D loss is ..."
  question   "how do I add spectral norm?" repeats the fix it is about and
             marks nothing as tried
  evidence   after a no match: "d_accuracy_on_real 0.98, d_accuracy_on_fake
             0.97, samples: every image is the same blob", or a grid path
             (recorded only, because gan-triage cannot look at images)

  /help      show this text
  /reset     forget the report and the fixes tried, and start over
  /quit      leave (Ctrl-D does the same; Ctrl-C cancels the current turn)"""

LineReader = Callable[[str], str]


def stream_reader(stream: TextIO) -> LineReader:
    """Read lines from a stream the way ``input`` does: EOFError at the end."""

    def read(prompt: str) -> str:
        line = stream.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    return read


def read_turn(read: LineReader, interactive: bool) -> str:
    """Read one turn: a single line, or a report that runs to a blank line.

    Raises EOFError when input ends before a turn starts.
    """
    first = read(PROMPT if interactive else "")
    if not REPORT_START.match(first):
        return first
    lines = [first]
    while True:
        try:
            line = read(CONTINUATION if interactive else "")
        except EOFError:
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines)


@dataclass
class ChatSession:
    """One chat: where the conversation stands, and where answers go.

    With a ``run``, each turn reads the state from the run's history and
    appends to it under the run's lock, so ``triage --run`` calls made between
    turns are part of the same conversation.
    """

    answerer: Answerer
    out: TextIO
    run: RunHistory | None = None
    state: RunState = field(default_factory=RunState)

    def start(self) -> None:
        if self.run is None or not self.run.exists():
            return
        history = self.run.read()
        self._print_lines(f"warning: {warning}" for warning in history.warnings)
        self.state = history.state
        if history.records:
            self._print(
                f"continuing run {self.run.name}: {len(history.records)} earlier "
                f"turns, tried so far: {', '.join(self.state.tried) or 'nothing'}"
            )

    def handle(self, text: str) -> bool:
        """Handle one turn; return False when the chat should end."""
        text = text.strip()
        if not text:
            return True
        # "/help" is a command, "/data/run.csv" is a path.
        if COMMAND.match(text):
            return self._command(text)
        try:
            self._answer(text)
        except InputError as error:
            self._print(f"error: {error}")
        return True

    def _command(self, text: str) -> bool:
        name = text.split()[0].lower()
        if name in ("/quit", "/exit"):
            return False
        if name == "/help":
            self._print(HELP_TEXT)
        elif name == "/reset":
            self._reset()
            self._print("started over: no report, no fixes tried")
        else:
            self._print(f"unknown command {name}; /help lists the commands")
        return True

    def _reset(self) -> None:
        self.state = RunState()
        if self.run is not None:
            self.run.add(Record(time=now(), kind="reset", state=RunState()))

    def _answer(self, text: str) -> None:
        report = _report_from_path(text)
        mapping = None if report is None else report_fields(report)
        followup = read_followup("" if report is not None else text)
        if self.run is None:
            result = take_turn(
                self.state, followup, self.answerer, report=report, mapping=mapping
            )
        else:
            with self.run.locked() as history:
                self._print_lines(f"warning: {w}" for w in history.warnings)
                result = take_turn(
                    history.state,
                    followup,
                    self.answerer,
                    report=report,
                    mapping=mapping,
                )
                self.run.append(_record(text, result))
        self.state = result.state
        self._show(result)

    def _show(self, result: TurnResult) -> None:
        answer = result.answer
        lines = [answer.block] if answer is not None else [result.message or ""]
        if answer is not None:
            lines.extend(f"note: {w}" for w in answer.diagnosis.warnings)
        lines.extend(f"note: {note}" for note in result.notes)
        self._print_lines(lines)

    def _print(self, text: str) -> None:
        print(text, file=self.out)
        print(file=self.out)
        self.out.flush()

    def _print_lines(self, lines: Iterable[str]) -> None:
        items = list(lines)
        if items:
            self._print("\n".join(items))


def _record(text: str, result: TurnResult) -> Record:
    return Record(
        time=now(),
        kind="turn",
        message=text,
        outcome=result.outcome,
        answer=None if result.answer is None else result.answer.record(),
        notes=result.notes,
        state=result.state,
    )


def _report_from_path(text: str) -> Report | None:
    """Load a report or log when the turn is the path of an existing file."""
    if "\n" in text or IMAGE_PATH.fullmatch(text.strip("'\"")):
        return None
    path = Path(text.strip("'\"")).expanduser()
    if not path.is_file():
        if " " not in text and path.suffix.lower() in FILE_SUFFIXES:
            raise InputError(f"{path}: file not found")
        return None
    if path.suffix.lower() in REPORT_SUFFIXES:
        return load_report(path)
    from .logs import is_log, report_from_log

    if is_log(path):
        return report_from_log(path)
    return load_report(path)


def run_chat(
    session: ChatSession,
    read: LineReader,
    *,
    interactive: bool,
    echo: bool = False,
) -> int:
    """Run the chat until /quit or end of input; return the exit code.

    Ctrl-C cancels the turn being read or answered and the chat goes on.
    With ``echo``, each turn is printed after ``you> `` before its answer, so
    a piped session reads as a transcript.
    """
    session.start()
    while True:
        try:
            text = read_turn(read, interactive)
            if echo:
                print(_echo(text), file=session.out)
            if not session.handle(text):
                return 0
        except KeyboardInterrupt:
            print("\n(turn cancelled)", file=session.out)
        except EOFError:
            if interactive:
                print(file=session.out)
            return 0


def _echo(text: str) -> str:
    first, *rest = text.split("\n")
    return "\n".join([PROMPT + first, *(CONTINUATION + line for line in rest)])


def banner(source: str) -> str:
    """Return the greeting shown when the chat runs in a terminal."""
    return (
        f"gan-triage chat ({source}). Paste a report (a blank line ends it), give "
        "a file path, or reply in plain words.\n/help lists the commands; Ctrl-D "
        "leaves."
    )


def stdin_reader() -> LineReader:
    """Read turns from stdin: ``input`` with readline in a terminal.

    In a terminal, earlier turns are loaded from the readline history file in
    the user's data directory, and the session's turns are saved to it on exit.
    """
    if not sys.stdin.isatty():
        return stream_reader(sys.stdin)
    import readline

    path = readline_history_path()
    try:
        readline.read_history_file(path)
    except OSError:
        pass  # No history yet, or an unreadable file: start with none.
    readline.set_history_length(HISTORY_LENGTH)
    atexit.register(_save_readline_history, path)
    return input


def readline_history_path() -> Path:
    """Return the readline history file, beside the run histories."""
    return default_root().parent / "chat_history"


def _save_readline_history(path: Path) -> None:
    import readline

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        readline.write_history_file(path)
    except OSError as error:
        logger.debug("failed to save the chat history to %s: %s", path, error)
