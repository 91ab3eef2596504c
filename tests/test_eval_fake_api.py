"""A model run through the local fake Messages API, end to end over HTTP."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from fake_api import Failure, FakeMessagesAPI, Reply
from gan_triage.cli import main
from test_eval_cases import D_WINS, fields_case, write_cases
from test_eval_replies import COMPLIANT, TWO_FIXES


def tokens(text: str) -> int:
    # The fake bills output at one token per 4 characters, rounded up.
    return math.ceil(len(text) / 4)


@pytest.fixture(scope="module")
def report_md(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp_path = tmp_path_factory.mktemp("fake_api_eval")
    # Case "a" passes after one re-ask; case "b" fails twice and falls back.
    cases = [
        fields_case("a", D_WINS, expert="d_wins"),
        fields_case("b", D_WINS, expert="d_wins"),
    ]
    evals = write_cases(tmp_path / "evals", "mini", cases)
    script = [Reply(TWO_FIXES), Reply(COMPLIANT), Reply(TWO_FIXES), Reply(TWO_FIXES)]
    with FakeMessagesAPI(script) as api, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-key")
        code = main(
            [
                "eval",
                "--evals",
                str(evals),
                "--backend",
                "anthropic",
                "--model",
                "claude-test",
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert code == 0
    return (tmp_path / "out" / "report.md").read_text()


def test_reask_rate_shown(report_md: str) -> None:
    assert "| re-ask rate | 100.0% |" in report_md


def test_fallback_rate_shown(report_md: str) -> None:
    assert "| fallback rate | 50.0% |" in report_md


def test_output_tokens_shown(report_md: str) -> None:
    per_case = (3 * tokens(TWO_FIXES) + tokens(COMPLIANT)) / 2

    assert f"| output tokens per case | {round(per_case, 1)} |" in report_md


def test_fallback_reason_listed(report_md: str) -> None:
    reasons = report_md.split("Fallback reasons:")[1].strip().splitlines()

    assert len(reasons) == 1
    assert reasons[0].startswith("- validation failed")
    assert reasons[0].endswith("one_fix: 1")


def test_accuracy_per_path(report_md: str) -> None:
    # Case "a" is the model's re-asked reply, case "b" the rule engine's.
    assert "| expert/model_after_reask | 1 | 1 | 100.0% |" in report_md
    assert "| expert/rules | 1 | 1 | 100.0% |" in report_md


def test_first_reply_rule_rate(report_md: str) -> None:
    # Both first replies offer two fixes, so one_fix passes on 0 of 2.
    assert "| one_fix | 0 | 2 | 0.0% |" in report_md


def test_no_key_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    evals = write_cases(tmp_path / "evals", "mini", [fields_case("a", D_WINS)])
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)

    code = main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "anthropic",
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert code == 2


def test_model_accuracy_headline(report_md: str) -> None:
    # Both cases are d_wins. The model's re-asked reply named it for "a"; "b"
    # fell back, so the model is right on 1 of 2 and the final answer on 2 of 2.
    row = "| mini/expert | 2 | 1 | 50.0% | 2 | 100.0% | 50.0% |"

    assert row in report_md
    assert "| model accuracy | final answer correct |" in report_md


OVERLOADED = Failure(529, "overloaded_error", "Overloaded")


def eval_args(evals: Path, backend: str, cache: Path, out: Path) -> list[str]:
    return [
        "eval",
        "--evals",
        str(evals),
        "--backend",
        backend,
        "--model",
        "claude-test",
        "--cache",
        str(cache),
        "--out",
        str(out),
    ]


@pytest.fixture(scope="module")
def overloaded_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run two d_wins cases against a server that always returns 529, then replay."""
    tmp_path = tmp_path_factory.mktemp("overloaded_eval")
    cases = [
        fields_case("a", D_WINS, expert="d_wins"),
        fields_case("b", D_WINS, expert="d_wins"),
    ]
    evals = write_cases(tmp_path / "evals", "mini", cases)
    cache = tmp_path / "cache"
    streams = {}
    with FakeMessagesAPI([OVERLOADED]) as api, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANTHROPIC_BASE_URL", api.url)
        patch.setenv("ANTHROPIC_API_KEY", "test-dummy-key")
        with (
            redirect_stdout(io.StringIO()) as out,
            redirect_stderr(io.StringIO()) as err,
        ):
            live = main(eval_args(evals, "anthropic", cache, tmp_path / "live"))
        streams["live"] = (out.getvalue(), err.getvalue())
        requests = len(api.requests)
    with redirect_stdout(io.StringIO()) as out, redirect_stderr(io.StringIO()) as err:
        replay = main(eval_args(evals, "replay", cache, tmp_path / "replay"))
    streams["replay"] = (out.getvalue(), err.getvalue())
    return {
        "codes": {"live": live, "replay": replay},
        "streams": streams,
        "requests": requests,
        "cache": cache,
        "dir": tmp_path,
    }


@pytest.mark.parametrize("run", ["live", "replay"])
def test_all_fallbacks_exit_1(overloaded_run: dict[str, Any], run: str) -> None:
    assert overloaded_run["codes"][run] == 1


@pytest.mark.parametrize("run", ["live", "replay"])
def test_all_fallbacks_warned(overloaded_run: dict[str, Any], run: str) -> None:
    _, stderr = overloaded_run["streams"][run]

    assert "the model answered none of the 2 trials" in stderr
    assert "overloaded (529) x2" in stderr


@pytest.mark.parametrize("run", ["live", "replay"])
def test_all_fallbacks_scored(overloaded_run: dict[str, Any], run: str) -> None:
    stdout, _ = overloaded_run["streams"][run]
    summary = json.loads((overloaded_run["dir"] / run / "summary.json").read_text())

    # The rule engine named d_wins both times, but the model answered nothing.
    assert summary["accuracy"]["mini/expert"]["correct"] == 0
    assert summary["final_answer_accuracy"]["mini/expert"]["correct"] == 2
    assert summary["fallback_rate"] == 1.0
    assert summary["model_answered"] == 0
    assert "| mini/expert | 2 | 0 | 0.0% | 2 | 100.0% | 100.0% |" in stdout


def test_all_fallbacks_report_md(overloaded_run: dict[str, Any]) -> None:
    report = (overloaded_run["dir"] / "live" / "report.md").read_text()

    assert "validation: 2 of 2)" in report
    assert "| trials where the model's reply was used | 0 |" in report


def test_http_requests_counted(overloaded_run: dict[str, Any]) -> None:
    summary = json.loads((overloaded_run["dir"] / "live" / "summary.json").read_text())

    # Each case: one call, answered 529 three times (the SDK retries twice).
    assert overloaded_run["requests"] == 6
    assert summary["http_requests"] == 6


def test_cache_holds_no_reply(overloaded_run: dict[str, Any]) -> None:
    entries = [
        json.loads(path.read_text())
        for path in overloaded_run["cache"].glob("*/*.json")
    ]

    # Both cases send the same conversation, so they share one entry.
    assert len(entries) == 1
    assert "reply" not in entries[0]
    assert entries[0]["error"]["status"] == 529
    assert entries[0]["error"]["http_requests"] == 3


def test_replay_scores_fallback(overloaded_run: dict[str, Any]) -> None:
    lines = (overloaded_run["dir"] / "replay" / "cases.jsonl").read_text()
    records = [json.loads(line) for line in lines.splitlines()]

    assert [record["source"] for record in records] == ["rules", "rules"]
    assert {record["fallback_reason"] for record in records} == {"overloaded (529)"}
    assert [record["replies"] for record in records] == [[], []]
