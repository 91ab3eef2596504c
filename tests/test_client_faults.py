"""AnthropicClient against bodies the real API never sends, and its request count.

Each body is served with HTTP 200 by the local fake server. The client must
raise ModelResponseError for every one (so the loop falls back) rather than the
UnicodeDecodeError, JSONDecodeError, TypeError or AttributeError that reading
it would raise.
"""

from __future__ import annotations

import pytest

from fake_api import Failure, FakeMessagesAPI, Raw, Reply
from gan_triage.client import (
    AnthropicClient,
    Message,
    ModelResponseError,
    ModelStatusError,
)
from test_loop import GOOD

MESSAGES: list[Message] = [{"role": "user", "content": "the report"}]
OVERLOADED = Failure(529, "overloaded_error", "Overloaded")

BAD_BODIES = {
    "not_utf8": b"<html>\x00\xff\xfe",
    "not_json": b"<html><body>gateway page</body></html>",
    "other_object": b'{"foo": 1}',
    "json_list": b"[]",
    "json_null": b"null",
    "json_string": b'"a reply"',
    "content_string": b'{"content": "a reply"}',
    "content_number": b'{"content": [1]}',
    "text_number": b'{"content": [{"type": "text", "text": 5}], "usage": {}}',
    "text_missing": b'{"content": [{"type": "text"}]}',
    "usage_string": b'{"content": [], "usage": "many"}',
    "tokens_string": b'{"content": [], "usage": {"input_tokens": "a", '
    b'"output_tokens": 1}}',
}


def client(url: str, retries: int = 0) -> AnthropicClient:
    return AnthropicClient(
        "claude-test", api_key="dummy", base_url=url, max_retries=retries
    )


@pytest.mark.parametrize("content_type", ["application/json", "text/html"])
@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=list(BAD_BODIES))
def test_bad_body_raises(body: bytes, content_type: str) -> None:
    with FakeMessagesAPI([Raw(body, content_type=content_type)]) as api:
        with pytest.raises(ModelResponseError) as caught:
            client(api.url).send("system", MESSAGES)

    assert caught.value.status == 200
    assert caught.value.reason == "malformed response (200)"
    assert caught.value.http_requests == 1


def test_good_body_still_read() -> None:
    with FakeMessagesAPI([Reply(GOOD)]) as api:
        reply = client(api.url).send("system", MESSAGES)

    assert reply.text == GOOD
    assert reply.stop_reason == "end_turn"
    assert reply.http_requests == 1


def test_retries_counted_on_error() -> None:
    with FakeMessagesAPI([OVERLOADED]) as api:
        with pytest.raises(ModelStatusError) as caught:
            client(api.url, retries=2).send("system", MESSAGES)

    # The first request and the SDK's two retries of a 529.
    assert len(api.requests) == 3
    assert caught.value.http_requests == 3


def test_retries_counted_on_reply() -> None:
    with FakeMessagesAPI([OVERLOADED, Reply(GOOD)]) as api:
        reply = client(api.url, retries=2).send("system", MESSAGES)

    assert reply.text == GOOD
    assert len(api.requests) == 2
    assert reply.http_requests == 2


def test_counts_are_per_send() -> None:
    with FakeMessagesAPI([Reply(GOOD)]) as api:
        sender = client(api.url)
        sender.send("system", MESSAGES)
        second = sender.send("system", MESSAGES)

    assert second.http_requests == 1
    assert sender.http_requests == 2
