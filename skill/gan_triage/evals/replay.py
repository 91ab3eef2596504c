"""A cache of model replies, so a model run can be re-scored without API calls.

Each call is stored under a key made from the model id, a hash of the system
prompt and the conversation sent, so a changed prompt or report misses the
cache instead of replaying a stale reply. An entry contains either a ``reply``
the model produced or, when the call failed, an ``error`` and no reply. A
replay raises that error again, so the loop falls back to the rule engine as
the live run did and the trial is scored as a fallback, never as a model reply.
The rule engine's answers themselves are never cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..client import (
    Message,
    ModelAPIError,
    ModelClient,
    ModelConnectionError,
    ModelReply,
    ModelResponseError,
    ModelStatusError,
    ModelTimeoutError,
    Usage,
)
from ..errors import TriageError

ERROR_TYPES: dict[str, type[ModelAPIError]] = {
    "status": ModelStatusError,
    "timeout": ModelTimeoutError,
    "connection": ModelConnectionError,
    "malformed": ModelResponseError,
    "api": ModelAPIError,
}


class CacheMissError(TriageError):
    """A replay found no cached reply for a request.

    It is not a ModelAPIError on purpose: the triage loop falls back to the
    rule engine on those, which would hide the miss.
    """


def prompt_hash(system: str) -> str:
    return hashlib.sha256(system.encode("utf-8")).hexdigest()


def cache_key(model: str, system: str, messages: Sequence[Message]) -> str:
    """Hash the model id, the system prompt's hash and the conversation."""
    payload = json.dumps(
        {
            "model": model,
            "system_sha256": prompt_hash(system),
            "messages": [dict(message) for message in messages],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _entry_path(cache_dir: Path, model: str, key: str) -> Path:
    safe_model = "".join(c if c.isalnum() or c in "-._" else "_" for c in model)
    return cache_dir / safe_model / f"{key}.json"


def _error_kind(error: ModelAPIError) -> str:
    for kind, error_type in ERROR_TYPES.items():
        if type(error) is error_type:
            return kind
    return "api"


class RecordingClient:
    """Wrap a client, storing every reply (or API failure) it returns.

    ``replies`` lists the raw text of each reply in the order received, for
    the per-case log.
    """

    def __init__(self, inner: ModelClient, cache_dir: Path | None) -> None:
        self._inner = inner
        self._cache_dir = cache_dir
        self.replies: list[str] = []

    @property
    def model(self) -> str:
        return self._inner.model

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        key = cache_key(self.model, system, messages)
        entry: dict[str, Any] = {
            "model": self.model,
            "system_sha256": prompt_hash(system),
            "messages": [dict(message) for message in messages],
        }
        try:
            reply = self._inner.send(system, messages)
        except ModelAPIError as error:
            entry["error"] = {
                "kind": _error_kind(error),
                "name": error.name,
                "status": error.status,
                "detail": error.detail,
                "http_requests": error.http_requests,
            }
            self._store(key, entry)
            raise
        entry["reply"] = {
            "text": reply.text,
            "stop_reason": reply.stop_reason,
            "usage": asdict(reply.usage),
            "latency_seconds": reply.latency_seconds,
            "http_requests": reply.http_requests,
        }
        self._store(key, entry)
        self.replies.append(reply.text)
        return reply

    def _store(self, key: str, entry: dict[str, Any]) -> None:
        if self._cache_dir is None:
            return
        path = _entry_path(self._cache_dir, self.model, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry, ensure_ascii=False, indent=1), "utf-8")


class ReplayClient:
    """A client that only reads the cache and never opens a connection."""

    def __init__(self, model: str, cache_dir: Path) -> None:
        self._model = model
        self._cache_dir = cache_dir
        self.replies: list[str] = []

    @property
    def model(self) -> str:
        return self._model

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        key = cache_key(self._model, system, messages)
        path = _entry_path(self._cache_dir, self._model, key)
        if not path.is_file():
            raise CacheMissError(
                f"{self._cache_dir}: no cached reply for model {self._model} "
                f"(key {key[:12]}); record it with --backend anthropic --cache "
                f"{self._cache_dir}"
            )
        entry = json.loads(path.read_text(encoding="utf-8"))
        if "error" in entry:
            error = entry["error"]
            error_type = ERROR_TYPES.get(error["kind"], ModelAPIError)
            raise error_type(
                error["name"],
                error["status"],
                error.get("detail", ""),
                error.get("http_requests", 0),
            )
        reply = entry["reply"]
        self.replies.append(reply["text"])
        return ModelReply(
            text=reply["text"],
            stop_reason=reply["stop_reason"],
            usage=Usage(**reply["usage"]),
            latency_seconds=reply["latency_seconds"],
            http_requests=reply.get("http_requests", 0),
        )
