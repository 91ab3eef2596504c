"""AnthropicClient against recorded HTTP exchanges (vcrpy cassettes).

The cassettes in tests/cassettes/ were recorded from the local fake server in
tests/fake_api.py. tests/cassettes/README.md describes how, and how to re-record
them against the real API with scripts/record-cassettes. Replays match on the
method, the path and the JSON body, so a test that sends a different request
fails instead of silently receiving another request's reply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml
from vcr.request import Request

from gan_triage.client import (
    AnthropicClient,
    Message,
    ModelAPIError,
    ModelStatusError,
)

CASSETTES = Path(__file__).parent / "cassettes"
# Request fields that may change between otherwise equal calls.
VOLATILE_FIELDS = frozenset({"metadata"})
SCRUBBED_HEADERS = ("x-api-key", "authorization", "cookie", "set-cookie")
KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}|Bearer\s+\S+")
# Replays never connect, and nothing listens on the discard port if one did.
REPLAY_BASE_URL = "http://127.0.0.1:9"
MODEL = "claude-sonnet-5-5"

SYSTEM = (
    "You triage GAN training runs. Answer with exactly one [triage] block: "
    "failure, evidence, fix and retry."
)
REPORT = (
    '{"d_loss_trend": "0.9, 0.4, 0.08, 0.05, 0.04 (decreasing)", '
    '"g_loss_trend": "2.1, 4.8, 6.9, 8.2, 9.7 (increasing)", '
    '"sample_notes": "samples look like random noise"}'
)
FIRST_REPLY = "D is winning; add spectral normalization or halve D's learning rate."
REASK = (
    "Your last reply broke 2 rules:\n- one_block: no [triage] block\n"
    "- one_fix: two fixes offered\nAnswer again with exactly one [triage] block."
)

# Each scenario is one request, and its cassette contains the reply.
SCENARIOS: dict[str, list[Message]] = {
    "good_reply": [{"role": "user", "content": REPORT}],
    "reask": [
        {"role": "user", "content": REPORT},
        {"role": "assistant", "content": FIRST_REPLY},
        {"role": "user", "content": REASK},
    ],
    "overloaded_529": [{"role": "user", "content": REPORT}],
    "unauthorized_401": [{"role": "user", "content": REPORT}],
}


def _body(request: Request) -> dict[str, Any]:
    raw = request.body or b"{}"
    text = raw.decode() if isinstance(raw, bytes) else raw
    data = json.loads(text)
    assert isinstance(data, dict)
    return {key: value for key, value in data.items() if key not in VOLATILE_FIELDS}


def json_body_matcher(first: Request, second: Request) -> None:
    """Match two requests on their JSON bodies, ignoring volatile fields."""
    assert _body(first) == _body(second), "JSON bodies differ"


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SCRUBBED_HEADERS:
            del headers[name]
    return response


def make_vcr(record_mode: str = "none") -> vcr.VCR:
    """Build the VCR every cassette test and the recording script use."""
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        match_on=["method", "path", "json_body"],
        filter_headers=list(SCRUBBED_HEADERS),
        decode_compressed_response=True,
        before_record_response=_scrub_response,
    )
    recorder.register_matcher("json_body", json_body_matcher)
    return recorder


def replay_client() -> AnthropicClient:
    return AnthropicClient(
        MODEL, api_key="replay-key", base_url=REPLAY_BASE_URL, max_retries=0
    )


def recorded_json(name: str) -> dict[str, Any]:
    """Read the response body of a one-request cassette, as recorded."""
    cassette = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text("utf-8"))
    (interaction,) = cassette["interactions"]
    body = json.loads(interaction["response"]["body"]["string"])
    assert isinstance(body, dict)
    return body


def test_good_reply_parsed() -> None:
    recorded = recorded_json("good_reply")

    with make_vcr().use_cassette("good_reply.yaml"):
        reply = replay_client().send(SYSTEM, SCENARIOS["good_reply"])

    assert reply.text == recorded["content"][0]["text"]
    assert reply.text.lstrip().startswith("[triage]")
    assert reply.stop_reason == "end_turn"
    assert reply.usage.input_tokens == recorded["usage"]["input_tokens"]
    assert reply.usage.output_tokens == recorded["usage"]["output_tokens"]


def test_reask_conversation_replayed() -> None:
    recorded = recorded_json("reask")

    with make_vcr().use_cassette("reask.yaml"):
        reply = replay_client().send(SYSTEM, SCENARIOS["reask"])

    assert reply.text == recorded["content"][0]["text"]
    assert "[triage]" in reply.text


def test_overloaded_raises_529() -> None:
    with make_vcr().use_cassette("overloaded_529.yaml"):
        with pytest.raises(ModelStatusError) as caught:
            replay_client().send(SYSTEM, SCENARIOS["overloaded_529"])

    assert caught.value.status == 529
    assert caught.value.reason == "overloaded (529)"


def test_unauthorized_raises_401() -> None:
    with make_vcr().use_cassette("unauthorized_401.yaml"):
        with pytest.raises(ModelStatusError) as caught:
            replay_client().send(SYSTEM, SCENARIOS["unauthorized_401"])

    assert caught.value.status == 401
    assert caught.value.reason == "authentication failed (401)"


def test_other_body_not_replayed() -> None:
    other: list[Message] = [{"role": "user", "content": REPORT + " "}]

    with make_vcr().use_cassette("good_reply.yaml"):
        with pytest.raises(ModelAPIError):
            replay_client().send(SYSTEM, other)


def test_matcher_ignores_volatile_fields() -> None:
    body = {"model": MODEL, "messages": SCENARIOS["good_reply"]}
    first = Request("POST", "http://a/v1/messages", json.dumps(body), {})
    second_body = {**body, "metadata": {"user_id": "someone"}}
    second = Request("POST", "http://a/v1/messages", json.dumps(second_body), {})

    json_body_matcher(first, second)


def test_matcher_rejects_other_messages() -> None:
    body = {"model": MODEL, "messages": SCENARIOS["good_reply"]}
    first = Request("POST", "http://a/v1/messages", json.dumps(body), {})
    other = {"model": MODEL, "messages": SCENARIOS["reask"]}
    second = Request("POST", "http://a/v1/messages", json.dumps(other), {})

    with pytest.raises(AssertionError):
        json_body_matcher(first, second)


def test_request_shape_recorded() -> None:
    cassette = yaml.safe_load((CASSETTES / "good_reply.yaml").read_text("utf-8"))
    request = cassette["interactions"][0]["request"]

    body = json.loads(request["body"])

    assert request["method"] == "POST"
    assert request["uri"].endswith("/v1/messages")
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["max_tokens"] == 600
    assert "temperature" not in body


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.name)
def test_cassette_has_no_secrets(path: Path) -> None:
    text = path.read_text("utf-8")
    cassette = yaml.safe_load(text)

    assert "sk-ant" not in text
    assert KEY_PATTERN.search(text) is None
    for interaction in cassette["interactions"]:
        for part in ("request", "response"):
            names = {name.lower() for name in interaction[part].get("headers", {})}
            assert names.isdisjoint(SCRUBBED_HEADERS), names


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.name)
def test_cassette_bodies_decoded(path: Path) -> None:
    cassette = yaml.safe_load(path.read_text("utf-8"))

    for interaction in cassette["interactions"]:
        headers = {k.lower(): v for k, v in interaction["response"]["headers"].items()}
        assert "content-encoding" not in headers
        body = json.loads(interaction["response"]["body"]["string"])
        assert body["type"] in ("message", "error")


def test_every_scenario_has_cassette() -> None:
    names = {path.stem for path in CASSETTES.glob("*.yaml")}

    assert names == set(SCENARIOS)
