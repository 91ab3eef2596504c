"""JSON Lines logs: nested keys, NaN, steps, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_triage.errors import InputError
from gan_triage.logs import report_from_log


def write(tmp_path: Path, text: str, name: str = "log.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_nested_keys_per_step(tmp_path: Path) -> None:
    text = (
        '{"epoch": 1, "train": {"d_loss": 1.0, "g_loss": 2.0}}\n'
        '{"epoch": 1, "train": {"d_loss": 2.0, "g_loss": 4.0}}\n'
        "\n"
        '{"epoch": 2, "train": {"d_loss": 0.5, "g_loss": 6.0}}\n'
    )
    path = write(tmp_path, text)

    report = report_from_log(path)

    assert report.d.values == [1.5, 0.5]
    assert report.g.values == [3.0, 6.0]


def test_nan_literal_and_string(tmp_path: Path) -> None:
    text = (
        '{"step": 1, "errD": 1.0, "errG": "nan"}\n{"step": 2, "errD": NaN, "errG": 1}\n'
    )
    path = write(tmp_path, text, "log.ndjson")

    report = report_from_log(path)

    assert report.d_loss_trend.startswith("1, nan ")
    assert report.g_loss_trend.startswith("nan, 1 ")


def test_invalid_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"epoch": 1, "d_loss": 1, "g_loss": 2}\n{"epoch": 2,\n')

    with pytest.raises(InputError, match="line 2 is not valid JSON"):
        report_from_log(path)


def test_array_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[1, 2]\n")

    with pytest.raises(InputError, match="line 1 is a JSON list"):
        report_from_log(path)
