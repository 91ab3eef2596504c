"""A model run through the local fake Messages API, end to end over HTTP."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from fake_api import FakeMessagesAPI, Reply
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
