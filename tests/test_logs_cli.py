"""The ``report`` verb: YAML out, warnings on stderr, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gan_triage.cli import main
from gan_triage.report import build_report
from log_formats import RUNS


def test_report_prints_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(RUNS / "digits_dwins_s0.csv"), "--samples", "noise"])

    out = capsys.readouterr().out
    data = yaml.safe_load(out)
    assert code == 0
    assert list(data)[:3] == ["d_loss_trend", "g_loss_trend", "sample_notes"]
    assert data["sample_notes"] == "noise"
    assert data["epochs"] == 150
    assert data["d_loss_trend"].endswith("(last 10 epochs of 150, decreasing)")
    assert build_report(data, "edited.yaml").d.values[0] == 0.02687


def test_report_window_option(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(RUNS / "digits_tuned_s0.csv"), "--window", "3"])

    data = yaml.safe_load(capsys.readouterr().out)
    assert code == 0
    assert "(last 3 epochs of " in data["d_loss_trend"]


def test_report_warnings_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(RUNS / "ring8_oscillate_sgd_s0.csv")])

    captured = capsys.readouterr()
    assert code == 0
    assert "fewer than the window of 10" in captured.err
    assert "fewer than" not in captured.out


def test_report_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(tmp_path / "missing.csv")])

    assert code == 2
    assert "file not found" in capsys.readouterr().err


def test_report_bad_window(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(RUNS / "digits_tuned_s0.csv"), "--window", "0"])

    assert code == 2
    assert "less than 1" in capsys.readouterr().err
