"""The installed command when the fake API returns a 200 that is not a reply.

Each body below once crashed the model path with a traceback and exit 1: a
non-UTF-8 body, a UTF-8 body that is not JSON, and JSON of another shape. Every
verb that asks the model must instead fall back to the rule engine, say why,
and keep its usual output (the block, the JSON, the run history, the eval
folder). The scenarios run in parallel, once per module, as in
test_e2e_fake_api.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_api import FakeMessagesAPI, Raw
from test_e2e_fake_api import COMMAND, REPORT_YAML, Run, Scenario, _environment
from test_eval_cases import D_WINS, fields_case, write_cases

BODIES = {
    "binary": Raw(b"<html>\x00\xff\xfe broken proxy page"),
    "text": Raw(b"<html><body>Bad gateway, but with status 200</body></html>"),
    "shape": Raw(b'{"foo": 1}'),
}
# The reason the loop records for a body it cannot read, with the HTTP status.
MALFORMED = "malformed response (200)"
D_WINS_LINE = "[triage]\n  failure:  D wins completely\n"


@dataclass(frozen=True)
class Command:
    """A gan-triage command line; {report}, {evals} and {out} are filled in."""

    arguments: tuple[str, ...]
    stdin: str = ""


COMMANDS = {
    "triage": Command(("triage", "{report}", "--backend", "anthropic")),
    "json": Command(("triage", "{report}", "--backend", "anthropic", "--json")),
    "run": Command(
        ("triage", "{report}", "--backend", "anthropic", "--run", "cifar-{body}")
    ),
    "chat": Command(("chat", "--backend", "anthropic"), stdin="{report}\n"),
    "eval": Command(
        ("eval", "--backend", "anthropic", "--evals", "{evals}", "--out", "{out}")
    ),
}

pytestmark = pytest.mark.skipif(
    not COMMAND.exists(), reason="the gan-triage console script is not installed"
)


@dataclass
class Paths:
    home: Path
    report: Path
    evals: Path


def _fill(text: str, paths: Paths, body: str, command: str) -> str:
    return text.format(
        report=paths.report,
        evals=paths.evals,
        out=paths.home / f"out-{body}-{command}",
        body=body,
    )


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    home = tmp_path_factory.mktemp("malformed")
    report = home / "report.yaml"
    report.write_text(REPORT_YAML, encoding="utf-8")
    # One d_wins case: the rule engine names it correctly, the model never answers.
    evals = write_cases(
        home / "evals", "mini", [fields_case("a", D_WINS, expert="d_wins")]
    )
    return Paths(home, report, evals)


# Every body goes through --json, which names the reason; each other verb
# takes one body, since past the client they all share one fallback path.
PLAN = [
    *((body, "json") for body in BODIES),
    ("binary", "triage"),
    ("shape", "run"),
    ("text", "chat"),
    ("binary", "eval"),
]


@pytest.fixture(scope="module")
def runs(paths: Paths) -> Iterator[dict[tuple[str, str], Run]]:
    with ExitStack() as stack:
        started = {}
        for body, name in PLAN:
            raw, command = BODIES[body], COMMANDS[name]
            api = stack.enter_context(FakeMessagesAPI([raw]))
            arguments = [_fill(a, paths, body, name) for a in command.arguments]
            process = subprocess.Popen(
                [str(COMMAND), *arguments],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_environment(paths.home, api.url, Scenario((raw,), ())),
            )
            stdin = _fill(command.stdin, paths, body, name)
            started[(body, name)] = (api, process, stdin)
        results = {}
        for key, (api, process, stdin) in started.items():
            stdout, stderr = process.communicate(stdin, timeout=120)
            results[key] = Run(process.returncode, stdout, stderr, api.requests)
    yield results


def test_triage_falls_back(runs: dict[tuple[str, str], Run]) -> None:
    run = runs[("binary", "triage")]

    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.startswith(D_WINS_LINE)
    assert MALFORMED in run.stderr
    assert "rule engine" in run.stderr


@pytest.mark.parametrize("body", BODIES)
def test_json_names_reason(runs: dict[tuple[str, str], Run], body: str) -> None:
    run = runs[(body, "json")]

    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    assert payload["source"] == "rules"
    assert payload["fallback_reason"] == MALFORMED
    assert payload["failure"] == "d_wins"
    # A 200 is not retried, so one call is one request.
    assert payload["model_calls"] == 1
    assert payload["http_requests"] == 1
    assert len(run.requests) == 1


def test_run_history_kept(runs: dict[tuple[str, str], Run], paths: Paths) -> None:
    run = runs[("shape", "run")]
    history = paths.home / ".local/share/gan-triage/runs" / "cifar-shape.jsonl"

    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(D_WINS_LINE)
    assert history.is_file()
    (record,) = [json.loads(line) for line in history.read_text().splitlines()]
    assert record["answer"]["failure"] == "d_wins"
    assert record["answer"]["source"] == "rules"
    assert record["state"]["report"]["d_loss_trend"].startswith("0.9, 0.4")
    assert any(MALFORMED in note for note in record["notes"])


def test_chat_falls_back(runs: dict[tuple[str, str], Run]) -> None:
    run = runs[("text", "chat")]

    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "failure:  D wins completely" in run.stdout
    assert MALFORMED in run.stdout + run.stderr
    assert len(run.requests) == 1


def test_eval_writes_and_warns(runs: dict[tuple[str, str], Run], paths: Paths) -> None:
    run = runs[("binary", "eval")]
    out = paths.home / "out-binary-eval"

    # The model answered no trial, so the run is a failed check: exit 1.
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "the model answered none of the 1 trials" in run.stderr
    assert MALFORMED in run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accuracy"]["mini/expert"]["accuracy"] == 0.0
    assert summary["final_answer_accuracy"]["mini/expert"]["accuracy"] == 1.0
    assert summary["fallback_rate"] == 1.0
    assert "| mini/expert | 1 | 0 | 0.0% | 1 | 100.0% | 100.0% |" in run.stdout
