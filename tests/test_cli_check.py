"""The check verb: exit codes 0, 1 and 2, text and JSON output, stdin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gan_triage.cli import main

REPORT = Path(__file__).parent / "data" / "reports" / "d_wins.yaml"

EVIDENCE = (
    'd_loss "0.50, 0.08, 0.0003 (decreasing)"; g_loss "2.1, 6.5, 14 (increasing)"; '
    """samples 'the same "grey static" pattern in every cell'"""
)
COMPLIANT = (
    "D has separated real from fake and G is no longer learning.\n"
    "\n"
    "[triage]\n"
    "  failure:  D wins completely\n"
    f"  evidence: {EVIDENCE}\n"
    "  fix:      Replace BatchNorm in D with spectral normalization.\n"
    "  retry:    5 epochs\n"
)

# Rounds 0.50 to 0.5 and recommends training longer.
BROKEN = COMPLIANT.replace('"0.50,', '"0.5,') + "\nKeep training meanwhile.\n"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "reply.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_compliant_exit_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", write(tmp_path, COMPLIANT), "--report", str(REPORT)])

    assert code == 0
    assert capsys.readouterr().out.startswith("compliant")


def test_findings_exit_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", write(tmp_path, BROKEN), "--report", str(REPORT)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(lines) == 2
    assert lines[0].startswith(
        "verbatim_numbers: evidence does not contain the number 0.50"
    )
    assert lines[1].startswith("train_longer: ")


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", write(tmp_path, BROKEN), "--report", str(REPORT), "--json"])

    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    assert payload["compliant"] is False
    assert [finding["rule"] for finding in payload["findings"]] == [
        "verbatim_numbers",
        "train_longer",
    ]
    assert payload["findings"][0]["text"] == "0.50"


def test_json_compliant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["check", write(tmp_path, COMPLIANT), "--report", str(REPORT), "--json"]
    )

    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"compliant": True, "findings": []}


def test_reply_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(COMPLIANT))

    code = main(["check", "-", "--report", str(REPORT)])

    assert code == 0


def test_empty_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))

    code = main(["check", "-", "--report", str(REPORT)])

    assert code == 2
    assert "stdin: the reply is empty" in capsys.readouterr().err


def test_missing_reply_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.txt"

    code = main(["check", str(missing), "--report", str(REPORT)])

    err = capsys.readouterr().err
    assert code == 2
    assert "nowhere.txt: file not found" in err
    assert "Traceback" not in err


def test_reply_is_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(tmp_path), "--report", str(REPORT)])

    assert code == 2
    assert "is a directory; expected a file with the reply" in capsys.readouterr().err


def test_reply_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "reply.txt"
    path.write_bytes(b"[triage]\n  failure: \xff\xfe\n")

    code = main(["check", str(path), "--report", str(REPORT)])

    assert code == 2
    assert "not valid UTF-8" in capsys.readouterr().err


def test_empty_reply_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", write(tmp_path, "\n"), "--report", str(REPORT)])

    assert code == 2
    assert "the reply is empty" in capsys.readouterr().err


def test_missing_report_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["check", write(tmp_path, COMPLIANT), "--report", str(tmp_path / "r.yaml")]
    )

    assert code == 2
    assert "r.yaml: file not found" in capsys.readouterr().err


def test_report_option_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", write(tmp_path, COMPLIANT)])

    assert code == 2
    assert "--report" in capsys.readouterr().err


def test_help_has_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--help"])

    out = capsys.readouterr().out
    assert code == 0
    assert "gan-triage check reply.txt --report" in out
    assert "exit codes" in out
