"""A local fake of the Anthropic Messages API, for tests and cassette recording.

The server listens on 127.0.0.1 on a free port and responds to ``POST /v1/messages``
from a script of responses, one per request, recording each request it gets.
The last scripted response repeats once the script runs out. It never reaches
any other host.

Token counts in its replies are estimates, not a tokenizer's: about 4
characters per token, the usual rule of thumb for English text. The system
prompt is billed as a cache write on the first request and as a cache read on
later ones, as the real API does for a block marked ``cache_control``.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Reply:
    """A 200 response that contains one text block."""

    text: str
    stop_reason: str = "end_turn"


@dataclass(frozen=True)
class Failure:
    """An error response with the API's error body."""

    status: int
    error_type: str
    message: str


@dataclass(frozen=True)
class Raw:
    """A response sent byte for byte, for bodies the real API never sends.

    The default is an HTTP 200 that claims JSON, as a broken proxy or a
    misconfigured ANTHROPIC_BASE_URL might return.
    """

    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` before sending ``then``: long enough to time a client out."""

    seconds: float
    then: Reply | Failure | Raw


Scripted = Reply | Failure | Raw | Delay


@dataclass
class RecordedRequest:
    """One request as the server received it; auth headers are never kept."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def estimate_tokens(text: str) -> int:
    """Estimate a token count from characters (about 4 per token)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _system_text(body: dict[str, Any]) -> str:
    system = body.get("system", "")
    if isinstance(system, str):
        return system
    return "".join(block.get("text", "") for block in system)


def _messages_text(body: dict[str, Any]) -> str:
    return "".join(str(message.get("content", "")) for message in body["messages"])


@dataclass
class FakeMessagesAPI:
    """The scripted server; use it as a context manager."""

    script: list[Scripted]
    requests: list[RecordedRequest] = field(default_factory=list)
    gzip_responses: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._cached_systems: set[str] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # serve_forever checks for shutdown every poll_interval seconds (0.5 by
        # default), so a short one keeps each test's teardown quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_response(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | Raw]:
        with self._lock:
            index = min(len(self.requests) - 1, len(self.script) - 1)
            scripted = self.script[index]
        if isinstance(scripted, Delay):
            time.sleep(scripted.seconds)
            scripted = scripted.then
        if isinstance(scripted, Raw):
            return scripted.status, scripted
        if isinstance(scripted, Failure):
            error = {"type": scripted.error_type, "message": scripted.message}
            return scripted.status, {"type": "error", "error": error}
        return 200, self._message(body, scripted)

    def _message(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        system = _system_text(body)
        system_tokens = estimate_tokens(system)
        with self._lock:
            cached = system in self._cached_systems
            self._cached_systems.add(system)
        return {
            "id": f"msg_fake_{next(self._ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "unknown"),
            "content": [{"type": "text", "text": reply.text}],
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": estimate_tokens(_messages_text(body)),
                "output_tokens": estimate_tokens(reply.text),
                "cache_creation_input_tokens": 0 if cached else system_tokens,
                "cache_read_input_tokens": system_tokens if cached else 0,
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {
                    name.lower(): value
                    for name, value in self.headers.items()
                    if name.lower() not in ("x-api-key", "authorization", "cookie")
                }
                with api._lock:
                    api.requests.append(RecordedRequest(self.path, headers, body))
                if self.path.split("?")[0] != "/v1/messages":
                    self._send(404, {"type": "error", "error": {"type": "not_found"}})
                    return
                status, payload = api.next_response(body)
                self._send(status, payload)

            def _send(self, status: int, payload: dict[str, Any] | Raw) -> None:
                if isinstance(payload, Raw):
                    data, content_type = payload.body, payload.content_type
                else:
                    data, content_type = (
                        json.dumps(payload).encode(),
                        "application/json",
                    )
                accepts_gzip = "gzip" in self.headers.get("accept-encoding", "")
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("request-id", "req_fake")
                if status in (429, 529):
                    # The SDK waits as long as retry-after-ms says before its
                    # own retry, which keeps retried tests fast.
                    self.send_header("retry-after-ms", "10")
                if api.gzip_responses and accepts_gzip:
                    data = gzip.compress(data)
                    self.send_header("content-encoding", "gzip")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                # Keep test output clean; requests are kept in api.requests.
                return

        return Handler
