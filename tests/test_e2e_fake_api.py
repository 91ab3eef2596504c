"""The installed `gan-triage` command against a local fake Messages API.

Each scenario starts tests/fake_api.py on 127.0.0.1, points ANTHROPIC_BASE_URL
at it with a dummy key, runs the console script from the venv in a subprocess
and records what the command printed and what it sent. Importing the anthropic
SDK takes seconds, so the scenarios run in parallel, once per module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_api import Failure, FakeMessagesAPI, RecordedRequest, Reply, Scripted
from gan_triage.render import render_system_prompt
from test_loop import D_LOSS, G_LOSS, GOOD, HALVE_D_LR, NOTES, TRAIN_LONGER

COMMAND = Path(sys.executable).parent / "gan-triage"
MODEL = "claude-e2e-test"
REPORT_YAML = (
    f"d_loss_trend: '{D_LOSS}'\ng_loss_trend: '{G_LOSS}'\nsample_notes: '{NOTES}'\n"
)
TRIED_YAML = REPORT_YAML + "fixes_already_tried: [halve_d_lr]\n"
OVERLOADED = Failure(529, "overloaded_error", "Overloaded")


@dataclass(frozen=True)
class Scenario:
    script: tuple[Scripted, ...]
    arguments: tuple[str, ...]
    environment: tuple[tuple[str, str], ...] = (("ANTHROPIC_API_KEY", "dummy-key"),)
    report: str = REPORT_YAML


@dataclass
class Run:
    """What one command run printed, and the requests the fake received."""

    returncode: int
    stdout: str
    stderr: str
    requests: list[RecordedRequest]


SCENARIOS = {
    "good": Scenario((Reply(GOOD),), ("--backend", "anthropic", "--model", MODEL)),
    # No --model here: the model comes from GAN_TRIAGE_MODEL.
    "reask": Scenario(
        (Reply(TRAIN_LONGER), Reply(GOOD)),
        ("--backend", "anthropic", "--json"),
        (("ANTHROPIC_API_KEY", "dummy-key"), ("GAN_TRIAGE_MODEL", "claude-env")),
    ),
    "overloaded": Scenario((OVERLOADED,), ("--backend", "anthropic")),
    "overloaded_json": Scenario((OVERLOADED,), ("--backend", "anthropic", "--json")),
    "auto_no_key": Scenario((Reply(GOOD),), (), ()),
    "anthropic_no_key": Scenario((Reply(GOOD),), ("--backend", "anthropic"), ()),
    "rules_json": Scenario((Reply(GOOD),), ("--json",), ()),
    "tried_flag": Scenario(
        (Reply(HALVE_D_LR), Reply(HALVE_D_LR)),
        ("--backend", "anthropic", "--tried", "halve D lr", "--json"),
    ),
    "tried_report": Scenario(
        (Reply(HALVE_D_LR), Reply(GOOD)), ("--backend", "anthropic"), report=TRIED_YAML
    ),
}

pytestmark = pytest.mark.skipif(
    not COMMAND.exists(), reason="the gan-triage console script is not installed"
)


def _environment(home: Path, base_url: str, scenario: Scenario) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ANTHROPIC_", "GAN_TRIAGE_"))
    }
    env.update(HOME=str(home), ANTHROPIC_BASE_URL=base_url)
    env.update(dict(scenario.environment))
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    home = tmp_path_factory.mktemp("e2e")
    with ExitStack() as stack:
        started = {}
        for name, scenario in SCENARIOS.items():
            report = home / f"{name}.yaml"
            report.write_text(scenario.report, encoding="utf-8")
            api = stack.enter_context(FakeMessagesAPI(list(scenario.script)))
            process = subprocess.Popen(
                [str(COMMAND), "triage", str(report), *scenario.arguments],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_environment(home, api.url, scenario),
            )
            started[name] = (api, process)
        results = {}
        for name, (api, process) in started.items():
            stdout, stderr = process.communicate(timeout=120)
            results[name] = Run(process.returncode, stdout, stderr, api.requests)
    yield results


def test_good_reply_printed(runs: dict[str, Run]) -> None:
    run = runs["good"]

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == GOOD
    assert f"answered by {MODEL}" in run.stderr
    assert len(run.requests) == 1


def test_request_shape(runs: dict[str, Run]) -> None:
    request = runs["good"].requests[0]

    assert request.path == "/v1/messages"
    assert request.body["model"] == MODEL
    assert request.body["max_tokens"] == 600
    # anthropic 2.x sends API version 2026-10-21, which rejects sampling
    # parameters, so no temperature is sent at all.
    assert "temperature" not in request.body
    assert request.headers["anthropic-version"] == "2026-10-21"
    (system,) = request.body["system"]
    assert system["cache_control"] == {"type": "ephemeral"}
    assert system["text"] == render_system_prompt()
    (message,) = request.body["messages"]
    assert message["role"] == "user"
    assert f'"d_loss_trend": "{D_LOSS}"' in message["content"]


def test_model_from_environment(runs: dict[str, Run]) -> None:
    assert runs["reask"].requests[0].body["model"] == "claude-env"


def test_reask_then_good(runs: dict[str, Run]) -> None:
    run = runs["reask"]

    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["source"] == "model_after_reask"
    assert payload["model_calls"] == 2
    assert payload["http_requests"] == 2
    assert payload["failure"] == "d_wins"
    assert "after one re-ask" in run.stderr


def test_reask_request(runs: dict[str, Run]) -> None:
    requests = runs["reask"].requests

    assert len(requests) == 2
    messages = requests[1].body["messages"]
    assert [message["role"] for message in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == TRAIN_LONGER
    assert "train_longer" in messages[2]["content"]
    assert requests[1].body["system"] == requests[0].body["system"]


def test_overloaded_falls_back(runs: dict[str, Run]) -> None:
    run = runs["overloaded_json"]

    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["source"] == "rules"
    assert payload["fallback_reason"] == "overloaded (529)"
    assert payload["failure_name"] == "D wins completely"
    # The first try plus the SDK's two retries of a 529.
    assert len(run.requests) == 3
    assert payload["model_calls"] == 1
    assert payload["http_requests"] == 3


def test_overloaded_block_printed(runs: dict[str, Run]) -> None:
    run = runs["overloaded"]

    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("[triage]\n  failure:  D wins completely\n")
    assert "overloaded (529)" in run.stderr
    assert "rule engine" in run.stderr


def test_auto_without_key_uses_rules(runs: dict[str, Run]) -> None:
    run = runs["auto_no_key"]

    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("[triage]\n  failure:  D wins completely\n")
    assert "ANTHROPIC_API_KEY is not set" in run.stderr
    assert run.requests == []


def test_anthropic_without_key_exits_2(runs: dict[str, Run]) -> None:
    run = runs["anthropic_no_key"]

    assert run.returncode == 2
    assert "ANTHROPIC_API_KEY" in run.stderr
    assert run.requests == []


def test_tried_flag_never_repeated(runs: dict[str, Run]) -> None:
    run = runs["tried_flag"]

    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["source"] == "rules"
    assert payload["fallback_reason"] == "validation failed twice: fix_matches_mode"
    assert payload["fix_slug"] == "spectral_norm"
    assert len(run.requests) == 2
    reask = run.requests[1].body["messages"][2]["content"]
    assert "halve_d_lr, which the user already tried" in reask


def test_report_tried_reasked(runs: dict[str, Run]) -> None:
    run = runs["tried_report"]

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == GOOD
    assert "after one re-ask" in run.stderr
    assert len(run.requests) == 2


@pytest.mark.parametrize("name", ["reask", "overloaded_json", "tried_flag"])
def test_json_keys_match_rules(runs: dict[str, Run], name: str) -> None:
    rules = json.loads(runs["rules_json"].stdout)
    payload = json.loads(runs[name].stdout)

    assert rules["source"] == "rules"
    assert set(rules) <= set(payload)
