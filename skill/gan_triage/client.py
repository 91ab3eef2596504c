"""The thin HTTP layer over the anthropic SDK: one Messages API call per ``send``.

The SDK is imported only when an ``AnthropicClient`` is built, so the rule-engine
path never loads it. API faults come back as ``ModelAPIError`` subclasses that
carry the HTTP status and a short name; the triage loop falls back on them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict

from .errors import TriageError

if TYPE_CHECKING:
    import anthropic

logger = logging.getLogger(__name__)

# The default model, overridden by --model or the GAN_TRIAGE_MODEL variable: the
# newest Sonnet id that anthropic 2.17.0 lists in anthropic.types.Model.
DEFAULT_MODEL = "claude-sonnet-5-5"
MODEL_ENV = "GAN_TRIAGE_MODEL"
# A block is five short lines, about 150 tokens; 600 leaves room for long
# quoted trends while bounding the cost of a runaway reply.
MAX_TOKENS = 600
# Seconds allowed for each HTTP attempt; the SDK's retries each get their own.
TIMEOUT_SECONDS = 60.0
# anthropic 2.17.0 retries 408, 409, 429 and every 5xx with backoff. Production
# allows two retries; tests pass 0 so that a missing cassette fails at once.
PRODUCTION_RETRIES = 2

# Names for the HTTP statuses the Messages API documents.
STATUS_NAMES = {
    400: "invalid request",
    401: "authentication failed",
    403: "permission denied",
    404: "not found",
    413: "request too large",
    429: "rate limited",
    500: "api error",
    529: "overloaded",
}


class Message(TypedDict):
    """One conversation turn as the Messages API takes it."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Usage:
    """Tokens billed for one or more calls, as the API reports them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
        )


@dataclass(frozen=True)
class ModelReply:
    """The text of one model reply, why it stopped, and what it cost."""

    text: str
    stop_reason: str | None
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0


class ModelAPIError(TriageError):
    """A Messages API call failed; ``reason`` is short enough for one log line."""

    def __init__(self, name: str, status: int | None = None, detail: str = "") -> None:
        self.name = name
        self.status = status
        self.detail = detail
        super().__init__(self.reason if not detail else f"{self.reason}: {detail}")

    @property
    def reason(self) -> str:
        return self.name if self.status is None else f"{self.name} ({self.status})"


class ModelStatusError(ModelAPIError):
    """The API returned an HTTP error status."""


class ModelTimeoutError(ModelAPIError):
    """The request timed out."""


class ModelConnectionError(ModelAPIError):
    """The API could not be reached (refused, reset, DNS)."""


class ModelClient(Protocol):
    """Anything that sends one conversation to a model and returns its reply."""

    @property
    def model(self) -> str: ...

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply: ...


def resolve_model(model: str | None = None) -> str:
    """Return the model id: the argument, else $GAN_TRIAGE_MODEL, else the default."""
    return model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def status_name(status: int) -> str:
    if status in STATUS_NAMES:
        return STATUS_NAMES[status]
    return "server error" if status >= 500 else "http error"


class AnthropicClient:
    """A ModelClient that calls the Messages API through the anthropic SDK.

    The key and base URL default to the SDK's own reading of ANTHROPIC_API_KEY
    and ANTHROPIC_BASE_URL.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int = PRODUCTION_RETRIES,
        timeout: float = TIMEOUT_SECONDS,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        import anthropic

        self._model = resolve_model(model)
        self._max_tokens = max_tokens
        self._timeout = timeout
        try:
            self._sdk: anthropic.Anthropic = anthropic.Anthropic(
                api_key=api_key,
                base_url=base_url,
                max_retries=max_retries,
                timeout=timeout,
            )
        except anthropic.CredentialsError as error:
            # Raised when ANTHROPIC_CONFIG_DIR or a profile points at no config.
            raise ModelAPIError("no credentials found", detail=str(error)) from None
        except anthropic.AnthropicError as error:
            raise ModelAPIError("client setup failed", detail=str(error)) from None

    @property
    def model(self) -> str:
        return self._model

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        """Send one conversation; raise a ModelAPIError subclass on any API fault."""
        import anthropic

        started = time.monotonic()
        try:
            response = self._sdk.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                # No temperature: the SDK 2.x sends API version 2026-10-21, which
                # rejects every sampling parameter with a 400, so the SDK has none.
                # The system prompt is the same for every report, so it is
                # marked for prompt caching and later calls read it from cache.
                system=[
                    {
                        "type": "text",
                        "text": system,
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
                messages=[_message_param(message) for message in messages],
            )
        except TypeError as error:
            # anthropic 2.17.0 raises TypeError when it finds no key, token or
            # profile; any other TypeError is a bug and propagates.
            if "authentication method" not in str(error):
                raise
            logger.debug("messages.create found no credentials")
            raise ModelAPIError("no credentials found") from None
        except anthropic.APITimeoutError:
            logger.debug("messages.create timed out after %.0fs", self._timeout)
            raise ModelTimeoutError("timeout") from None
        except anthropic.APIConnectionError as error:
            cause = f"{error} {error.__cause__ or ''}".lower()
            name = "connection refused" if "refused" in cause else "connection failed"
            logger.debug("messages.create failed: %s", name)
            raise ModelConnectionError(name, detail=str(error)) from None
        except anthropic.APIStatusError as error:
            status = error.status_code
            logger.debug("messages.create failed with HTTP %d", status)
            raise ModelStatusError(status_name(status), status) from None
        latency = time.monotonic() - started
        text = "".join(block.text for block in response.content if block.type == "text")
        return ModelReply(
            text=text,
            stop_reason=response.stop_reason,
            usage=_usage(response.usage),
            latency_seconds=latency,
        )


def _message_param(
    message: Message,
) -> anthropic.types.UserMessageParam | anthropic.types.AssistantMessageParam:
    if message["role"] == "assistant":
        return {"role": "assistant", "content": message["content"]}
    return {"role": "user", "content": message["content"]}


def _usage(usage: anthropic.types.Usage) -> Usage:
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
        cache_read_input_tokens=usage.cache_read_input_tokens or 0,
    )
