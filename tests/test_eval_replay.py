"""Model runs: recorded through a scripted client, then replayed with no socket."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gan_triage.cli import main
from gan_triage.client import Message, ModelReply, ModelStatusError, Usage
from gan_triage.evals.backends import ModelBackend
from gan_triage.evals.cases import load_cases
from gan_triage.evals.replay import CacheMissError, ReplayClient
from gan_triage.evals.reports import write_run
from gan_triage.evals.runner import run_eval
from gan_triage.evals.summary import summarize
from test_eval_cases import D_WINS, EQUILIBRIUM, fields_case, write_cases
from test_eval_replies import COMPLIANT, TWO_FIXES

MODEL = "claude-test"


class ScriptedClient:
    """Return queued replies in order, or raise a queued API error."""

    def __init__(self, script: list[str | Exception]) -> None:
        self.script = list(script)
        self.calls = 0

    @property
    def model(self) -> str:
        return MODEL

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        self.calls += 1
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return ModelReply(
            text=item,
            stop_reason="end_turn",
            usage=Usage(input_tokens=100, output_tokens=40),
            latency_seconds=0.5,
        )


def record_run(tmp_path: Path, script: list[str | Exception]) -> tuple[Path, Path]:
    """Run the d_wins case (expert reading) live through the script, caching."""
    evals = write_cases(
        tmp_path / "evals", "mini", [fields_case("a", D_WINS, expert="d_wins")]
    )
    cache = tmp_path / "cache"
    backend = ModelBackend("anthropic", None, cache, inner=ScriptedClient(script))
    records = run_eval(load_cases(evals), backend, evals)
    write_run(tmp_path / "live", records, summarize(records, backend="anthropic"))
    return evals, cache


def no_connect(self: socket.socket, address: Any) -> None:
    raise AssertionError(f"replay opened a connection to {address}")


def scores(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "cases.jsonl").read_text().splitlines()
    return [json.loads(line)["scores"] for line in lines]


def test_reask_recorded(tmp_path: Path) -> None:
    record_run(tmp_path, [TWO_FIXES, COMPLIANT])

    (record,) = map(
        json.loads, (tmp_path / "live" / "cases.jsonl").read_text().splitlines()
    )
    assert record["source"] == "model_after_reask"
    assert record["model_calls"] == 2
    assert record["replies"] == [TWO_FIXES, COMPLIANT]
    assert record["first_reply_rules"] == ["one_fix"]


def test_cache_has_one_entry_per_call(tmp_path: Path) -> None:
    _, cache = record_run(tmp_path, [TWO_FIXES, COMPLIANT])

    assert len(list((cache / MODEL).glob("*.json"))) == 2


def test_replay_same_scores_no_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evals, cache = record_run(tmp_path, [TWO_FIXES, COMPLIANT])
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connect)

    code = main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "replay",
            "--cache",
            str(cache),
            "--model",
            MODEL,
            "--out",
            str(tmp_path / "replay"),
        ]
    )

    assert code == 0
    assert scores(tmp_path / "replay") == scores(tmp_path / "live")


def test_replay_same_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    evals, cache = record_run(tmp_path, [TWO_FIXES, COMPLIANT])
    monkeypatch.setattr(socket.socket, "connect", no_connect)

    main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "replay",
            "--cache",
            str(cache),
            "--model",
            MODEL,
            "--out",
            str(tmp_path / "replay"),
        ]
    )

    live = json.loads((tmp_path / "live" / "summary.json").read_text())
    replay = json.loads((tmp_path / "replay" / "summary.json").read_text())
    assert replay["reask_rate"] == live["reask_rate"] == 1.0
    assert (
        replay["tokens"]
        == live["tokens"]
        == {
            "input_tokens": 200,
            "output_tokens": 80,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
    )


def test_replayed_api_error_falls_back(tmp_path: Path) -> None:
    overloaded = ModelStatusError("overloaded", 529)
    evals, cache = record_run(tmp_path, [overloaded])
    backend = ModelBackend("replay", MODEL, cache)

    (record,) = run_eval(load_cases(evals), backend, evals)

    assert record["source"] == "rules"
    assert record["fallback_reason"] == "overloaded (529)"


def test_cache_miss_recorded(tmp_path: Path) -> None:
    evals, cache = record_run(tmp_path, [COMPLIANT])
    write_cases(evals, "mini", [fields_case("b", EQUILIBRIUM, expert="equilibrium")])
    backend = ModelBackend("replay", MODEL, cache)

    (record,) = run_eval(load_cases(evals), backend, evals)

    assert record["error"].startswith("cache miss:")
    assert record["scores"]["mode_label"]["value"] is None


def test_miss_is_not_api_error(tmp_path: Path) -> None:
    client = ReplayClient(MODEL, tmp_path)

    with pytest.raises(CacheMissError):
        client.send("system", [{"role": "user", "content": "hi"}])


def test_replay_without_cache_exits_2(tmp_path: Path) -> None:
    evals = write_cases(tmp_path / "evals", "mini", [fields_case("a", D_WINS)])

    code = main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "replay",
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert code == 2
