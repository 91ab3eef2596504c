"""The replies backend: scoring replies collected outside the tool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gan_triage.cli import main
from test_eval_cases import D_WINS, fields_case, write_cases

EVIDENCE = 'd_loss "0.9, 0.3, 0.02"; g_loss "2.1, 5.8, 7.4"; samples "random noise"'
COMPLIANT = f"""Your discriminator has won.

[triage]
  failure:  D wins completely
  evidence: {EVIDENCE}
  fix:      Replace BatchNorm in D with spectral normalization on every D layer.
  retry:    5 epochs, then triage again with the new numbers
"""
TWO_FIXES = COMPLIANT.replace(
    "on every D layer.",
    "on every D layer, or halve D's learning rate.",
)
PARAPHRASED = COMPLIANT.replace(
    EVIDENCE,
    'd_loss fell from about 0.90 to 0.020; g_loss rose to 7.40; samples "random noise"',
)


def score(tmp_path: Path, replies: dict[str, str]) -> dict[str, dict[str, Any]]:
    cases = [fields_case(name, D_WINS, expert="d_wins") for name in replies]
    evals = write_cases(tmp_path / "evals", "mini", cases)
    file = tmp_path / "replies.jsonl"
    lines = [json.dumps({"id": key, "reply": text}) for key, text in replies.items()]
    file.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "replies",
            "--replies",
            str(file),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    rows = map(json.loads, (out / "cases.jsonl").read_text().splitlines())
    return {row["case_id"]: row["scores"] for row in rows}


def values(scores: dict[str, Any]) -> dict[str, Any]:
    return {name: entry["value"] for name, entry in scores.items()}


def test_compliant_passes_all(tmp_path: Path) -> None:
    scores = values(score(tmp_path, {"ok": COMPLIANT})["ok"])

    assert scores["mode_label"] is True
    assert scores["fix_acceptable"] is True
    assert scores["block_valid"] is True
    assert scores["numbers_verbatim"] is True
    assert scores["one_fix"] is True
    assert scores["no_train_longer"] is True
    assert scores["no_match_items"] is None


def test_two_fixes_fail_one_fix(tmp_path: Path) -> None:
    scores = values(score(tmp_path, {"two": TWO_FIXES})["two"])

    assert scores["one_fix"] is False
    assert scores["mode_label"] is True
    assert scores["numbers_verbatim"] is True


def test_paraphrase_fails_verbatim(tmp_path: Path) -> None:
    scores = values(score(tmp_path, {"para": PARAPHRASED})["para"])

    assert scores["numbers_verbatim"] is False
    assert scores["one_fix"] is True
    assert scores["mode_label"] is True


def test_only_given_ids_scored(tmp_path: Path) -> None:
    scored = score(tmp_path, {"ok": COMPLIANT})

    assert list(scored) == ["ok"]


def test_train_longer_flagged(tmp_path: Path) -> None:
    reply = COMPLIANT + "\nIf that fails, just train longer.\n"

    scores = values(score(tmp_path, {"tl": reply})["tl"])

    assert scores["no_train_longer"] is False


def test_no_block_fails(tmp_path: Path) -> None:
    scores = values(
        score(tmp_path, {"prose": "D is winning; add spectral norm."})["prose"]
    )

    assert scores["block_valid"] is False
    assert scores["mode_label"] is False


def test_bad_replies_line_exits_2(tmp_path: Path) -> None:
    evals = write_cases(tmp_path / "evals", "mini", [fields_case("a", D_WINS)])
    file = tmp_path / "replies.jsonl"
    file.write_text('{"id": "a"}\n')

    code = main(
        [
            "eval",
            "--evals",
            str(evals),
            "--backend",
            "replies",
            "--replies",
            str(file),
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert code == 2


def run_partial(
    tmp_path: Path, case_ids: list[str], replies: dict[str, str]
) -> tuple[int, Path]:
    """Run the replies backend over ``case_ids`` with replies for some of them."""
    cases = [fields_case(name, D_WINS, expert="d_wins") for name in case_ids]
    evals = write_cases(tmp_path / "evals", "mini", cases)
    file = tmp_path / "replies.jsonl"
    lines = [json.dumps({"id": key, "reply": text}) for key, text in replies.items()]
    file.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    arguments = ["eval", "--evals", str(evals), "--backend", "replies"]
    code = main([*arguments, "--replies", str(file), "--out", str(out)])
    return code, out


def test_partial_coverage_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_partial(tmp_path, ["a", "b", "c"], {"a": COMPLIANT})

    captured = capsys.readouterr()
    assert code == 0
    # One expert-labelled trial per case: 1 of 3 has a reply, 1/3 = 33.3%.
    assert "Coverage: 1 of 3 loaded trials had a reply (33.3%)." in captured.out
    assert "The other 2 were not scored" in captured.out
    assert "warning" in captured.err
    assert "replies for 1 of the 3 loaded trials" in captured.err
    assert "add replies for the other 2" in captured.err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["coverage"] == {"trials": 1, "loaded": 3, "rate": 0.3333}
    report = (out / "report.md").read_text()
    assert "Coverage: 1 of 3 loaded trials had a reply (33.3%)." in report
    assert "counts only the 1 scored trial." in report


def test_full_coverage_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_partial(tmp_path, ["a", "b"], {"a": COMPLIANT, "b": COMPLIANT})

    captured = capsys.readouterr()
    assert code == 0
    assert "Coverage: 2 of 2 loaded trials had a reply (100.0%)." in captured.out
    assert "not scored" not in captured.out
    assert "warning" not in captured.err


def test_one_unknown_reply_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_partial(tmp_path, ["a"], {"a": COMPLIANT, "zz": COMPLIANT})

    err = capsys.readouterr().err
    assert "1 reply names no loaded case ('zz'); it is ignored" in err
    assert "replies name" not in err


def test_two_unknown_replies_plural(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replies = {"a": COMPLIANT, "yy": COMPLIANT, "zz": COMPLIANT}

    run_partial(tmp_path, ["a"], replies)

    err = capsys.readouterr().err
    assert "2 replies name no loaded case, e.g. 'yy'; they are ignored" in err
