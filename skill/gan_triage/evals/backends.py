"""Backends: the sources of the reply for each eval case.

- ``rules``: the rule engine, offline.
- ``anthropic``: the model through ``run_model_triage`` (re-ask and fallback
  included), storing every reply under ``--cache`` when given.
- ``replay``: the same loop fed only from the cache; it never opens a socket.
- ``replies``: replies collected elsewhere (for example from an agent with the
  skill installed), read from a JSON Lines file of ``{"id", "reply"}`` records
  with an optional ``reading``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..client import ModelAPIError, ModelClient, Usage, resolve_model
from ..errors import InputError
from ..loop import run_model_triage
from ..report import Report
from ..rules import diagnose
from .cases import READINGS, Case, Reading
from .replay import RecordingClient, ReplayClient

BACKENDS = ("rules", "anthropic", "replay", "replies")
API_KEY_ENV = "ANTHROPIC_API_KEY"


@dataclass
class Answer:
    """The reply a backend gave for one case, and what producing it cost.

    ``reply`` is the final text, the one a user would see and the one scored.
    ``replies`` lists every raw model reply in order, re-asks included.
    """

    reply: str
    source: str
    model: str | None = None
    fallback_reason: str | None = None
    model_calls: int = 0
    http_requests: int = 0
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0
    replies: list[str] = field(default_factory=list)


class Backend(Protocol):
    name: str

    def covers(self, case: Case, reading: Reading) -> bool: ...

    def answer(self, case: Case, report: Report, reading: Reading) -> Answer: ...


class RulesBackend:
    """The rule engine: the reading's ``strict`` flag and nothing else."""

    name = "rules"

    def covers(self, case: Case, reading: Reading) -> bool:
        return True

    def answer(self, case: Case, report: Report, reading: Reading) -> Answer:
        started = time.perf_counter()
        diagnosis = diagnose(report, strict=reading == "strict")
        latency = time.perf_counter() - started
        return Answer(reply=diagnosis.block, source="rules", latency_seconds=latency)


class ModelBackend:
    """The model-backed triage loop, live (recording) or replayed from a cache."""

    def __init__(
        self,
        name: str,
        model: str | None,
        cache_dir: Path | None,
        inner: ModelClient | None = None,
    ) -> None:
        self.name = name
        self.model = resolve_model(model) if inner is None else inner.model
        self._cache_dir = cache_dir
        self._inner = inner
        if name == "anthropic" and inner is None and not os.environ.get(API_KEY_ENV):
            # Every trial would fall back to the rule engine, and the run would
            # look like a model run that failed rather than one never made.
            raise InputError(
                f"--backend anthropic needs {API_KEY_ENV}; set it, or re-score "
                "cached replies with --backend replay --cache DIR"
            )
        if name == "replay":
            if cache_dir is None:
                raise InputError(
                    "--backend replay needs --cache DIR with recorded replies"
                )
            if not cache_dir.is_dir():
                raise InputError(
                    f"{cache_dir}: cache folder not found for --backend replay"
                )

    def covers(self, case: Case, reading: Reading) -> bool:
        return True

    def _client(self) -> RecordingClient | ReplayClient:
        if self.name == "replay":
            assert self._cache_dir is not None
            return ReplayClient(self.model, self._cache_dir)
        if self._inner is None:
            from ..client import AnthropicClient

            try:
                self._inner = AnthropicClient(self.model)
            except ModelAPIError as error:
                raise InputError(f"--backend anthropic: {error}") from None
        return RecordingClient(self._inner, self._cache_dir)

    def answer(self, case: Case, report: Report, reading: Reading) -> Answer:
        client = self._client()
        outcome = run_model_triage(report, client=client, strict=reading == "strict")
        return Answer(
            reply=outcome.text,
            source=outcome.source,
            model=outcome.model,
            fallback_reason=outcome.fallback_reason,
            model_calls=outcome.model_calls,
            http_requests=outcome.http_requests,
            usage=outcome.usage,
            latency_seconds=outcome.latency_seconds,
            replies=list(client.replies),
        )


class RepliesBackend:
    """Replies collected elsewhere, keyed by case id and reading."""

    name = "replies"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.replies = load_replies(path)

    def covers(self, case: Case, reading: Reading) -> bool:
        return (case.id, reading) in self.replies

    def answer(self, case: Case, report: Report, reading: Reading) -> Answer:
        reply = self.replies[(case.id, reading)]
        return Answer(reply=reply, source="replies", replies=[reply])


def load_replies(path: Path) -> dict[tuple[str, Reading], str]:
    """Read ``{"id", "reply", "reading"?}`` records; reading defaults to expert."""
    if not path.is_file():
        raise InputError(f"{path}: replies file not found")
    replies: dict[tuple[str, Reading], str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{where}: invalid JSON: {error}") from None
        if not isinstance(record, dict):
            raise InputError(f'{where}: expected an object {{"id": ..., "reply": ...}}')
        case_id, reply = record.get("id"), record.get("reply")
        if not isinstance(case_id, str) or not isinstance(reply, str):
            raise InputError(f'{where}: expected string fields "id" and "reply"')
        reading = record.get("reading", "expert")
        if reading not in READINGS:
            raise InputError(
                f"{where}: reading {reading!r} is not known; expected expert or strict"
            )
        replies[(case_id, reading)] = reply
    if not replies:
        raise InputError(f"{path}: no replies found; expected JSON Lines records")
    return replies
