"""The thin HTTP layer over the anthropic SDK: one Messages API call per ``send``.

The SDK is imported only when an ``AnthropicClient`` is built, so the rule-engine
path never loads it. API faults, including a response body that cannot be read,
come back as ``ModelAPIError`` subclasses that carry the HTTP status and a short
name; the triage loop falls back on them.
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
    import httpx2

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
    """The text of one model reply, why it stopped, and what it cost.

    ``http_requests`` counts the HTTP requests behind the reply, the SDK's
    retries included; a client that sends none itself (a test double) leaves 0.
    """

    text: str
    stop_reason: str | None
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0
    http_requests: int = 0


class ModelAPIError(TriageError):
    """A Messages API call failed; ``reason`` is short enough for one log line.

    ``http_requests`` counts the requests sent before giving up, the SDK's
    retries included; 0 when none was sent or the raiser does not count them.
    """

    def __init__(
        self,
        name: str,
        status: int | None = None,
        detail: str = "",
        http_requests: int = 0,
    ) -> None:
        self.name = name
        self.status = status
        self.detail = detail
        self.http_requests = http_requests
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


class ModelResponseError(ModelAPIError):
    """A response arrived but is not a Messages API reply (not JSON, wrong shape)."""


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
        self._http_requests = 0
        # The request hook runs once per HTTP request, so the count includes
        # the SDK's own retries, which a count of send() calls would miss.
        http_client = anthropic.DefaultHttpxClient(
            event_hooks={"request": [self._count_request]}
        )
        try:
            self._sdk: anthropic.Anthropic = anthropic.Anthropic(
                api_key=api_key,
                base_url=base_url,
                max_retries=max_retries,
                timeout=timeout,
                http_client=http_client,
            )
        except anthropic.CredentialsError as error:
            # Raised when ANTHROPIC_CONFIG_DIR or a profile points at no config.
            raise ModelAPIError("no credentials found", detail=str(error)) from None
        except anthropic.AnthropicError as error:
            raise ModelAPIError("client setup failed", detail=str(error)) from None

    @property
    def model(self) -> str:
        return self._model

    @property
    def http_requests(self) -> int:
        """HTTP requests this client has sent so far, the SDK's retries included."""
        return self._http_requests

    def _count_request(self, request: httpx2.Request) -> None:
        self._http_requests += 1

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        """Send one conversation; raise a ModelAPIError subclass on any API fault.

        A response that arrives but cannot be read as a Messages API reply
        raises ModelResponseError, so the caller falls back instead of crashing.
        """
        started = time.monotonic()
        requests_before = self._http_requests
        try:
            raw = self._create(system, messages)
            reply = _read_reply(raw)
        except ModelAPIError as error:
            error.http_requests = self._http_requests - requests_before
            raise
        return ModelReply(
            text=reply.text,
            stop_reason=reply.stop_reason,
            usage=reply.usage,
            latency_seconds=time.monotonic() - started,
            http_requests=self._http_requests - requests_before,
        )

    def _create(
        self, system: str, messages: Sequence[Message]
    ) -> anthropic.APIResponse[anthropic.types.Message]:
        """Send the request; map every SDK error to a ModelAPIError subclass."""
        import anthropic

        try:
            # The raw response keeps the HTTP status and leaves the body unparsed,
            # so a body that cannot be read fails in _read_reply, apart from the
            # TypeError the SDK raises for missing credentials.
            return self._sdk.messages.with_raw_response.create(
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
            # profile; any other TypeError here is a bug in our call and propagates.
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
        except anthropic.AnthropicError as error:
            # The SDK's remaining errors (such as APIResponseValidationError)
            # are faults of the service too, so the caller falls back on them.
            logger.debug("messages.create failed: %s", type(error).__name__)
            raise ModelAPIError("api error", detail=str(error)) from None


def _read_reply(raw: anthropic.APIResponse[anthropic.types.Message]) -> ModelReply:
    """Read the text, stop reason and usage out of a raw 2xx response.

    Raises ModelResponseError when the body is not a Messages API reply.
    """
    status = raw.http_response.status_code
    try:
        response = raw.parse()
        reply = _reply_fields(response)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # These are what reading a bad body raises in anthropic 2.17.0: a
        # non-UTF-8 body (UnicodeDecodeError, a ValueError), a body that is not
        # JSON (JSONDecodeError, a ValueError), and JSON of another shape, which
        # the SDK builds into a Message without checking it, so attribute
        # access or iteration fails (AttributeError, TypeError, KeyError).
        detail = f"{type(error).__name__}: {error}"
        logger.debug("HTTP %d response could not be read: %s", status, detail)
        raise ModelResponseError("malformed response", status, detail) from None
    return reply


def _reply_fields(response: object) -> ModelReply:
    """Check the shape of a parsed reply and copy out what the loop uses."""
    import anthropic

    if not isinstance(response, anthropic.types.Message):
        # The SDK returns the body as a str when the content type is not JSON.
        raise TypeError(f"expected a message object, got {type(response).__name__}")
    if not isinstance(response.content, list):
        raise TypeError(f"content is {type(response.content).__name__}, not a list")
    texts = [block.text for block in response.content if block.type == "text"]
    if not all(isinstance(text, str) for text in texts):
        raise TypeError("a text block has no string text")
    if response.stop_reason is not None and not isinstance(response.stop_reason, str):
        raise TypeError("stop_reason is not a string")
    return ModelReply(
        text="".join(texts),
        stop_reason=response.stop_reason,
        usage=_usage(response.usage),
    )


def _message_param(
    message: Message,
) -> anthropic.types.UserMessageParam | anthropic.types.AssistantMessageParam:
    if message["role"] == "assistant":
        return {"role": "assistant", "content": message["content"]}
    return {"role": "user", "content": message["content"]}


def _usage(usage: anthropic.types.Usage) -> Usage:
    counts = (
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_creation_input_tokens or 0,
        usage.cache_read_input_tokens or 0,
    )
    # bool is an int subclass, but a true/false token count is a broken body.
    if not all(type(count) is int for count in counts):
        raise TypeError("usage has a token count that is not an integer")
    return Usage(*counts)
