"""Trend strings: fixed precision, every epoch listed, and a parse round trip."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gan_triage.logs import is_log
from gan_triage.logs.summary import format_value, trend_text
from gan_triage.trend import parse_trend


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.026874, "0.02687"),
        (1.18547, "1.185"),
        (150.0, "150"),
        (12345.6, "1.235e+04"),
        (-2.569e-08, "-2.569e-08"),
        (math.nan, "nan"),
        (-math.inf, "-inf"),
    ],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    "values",
    [
        [0.0269, 0.00488, 0.00209, 0.0018, 0.00114],
        [1.185, 1.254, 1.209, 1.171, 1.3],
        [-2.569e-08, -2.71e-08, -2.435e-08],
        [12345.6, 23456.7, 34567.8],
        [1.693, 2.275, math.nan],
        [0.5],
    ],
)
def test_trend_round_trip(values: list[float]) -> None:
    text = trend_text(values, 150)

    trend = parse_trend(text)

    expected = [float(format_value(value)) for value in values]
    assert len(trend.values) == len(expected)
    for read, written in zip(trend.values, expected, strict=True):
        assert read == written or (math.isnan(read) and math.isnan(written))
    assert f"(last {len(values)} epoch" in text
    assert "..." not in text


def test_trend_direction_word() -> None:
    # Every step falls, so the numbers say "decreasing".
    text = trend_text([0.9, 0.4, 0.1], 3)

    assert text == "0.9, 0.4, 0.1 (last 3 epochs of 3, decreasing)"
    assert parse_trend(text).direction == "decreasing"


def test_single_epoch_has_no_direction() -> None:
    assert trend_text([0.5], 1) == "0.5 (last 1 epoch of 1)"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("run.csv", "anything", True),
        ("train.log", "anything", True),
        ("events.out.tfevents.1.host", "", True),
        ("export.txt", "epoch,errD,errG\n1,0.5,2\n", True),
        ("export.txt", '{"step": 1, "loss_D": 0.5}\n', True),
        ("out.txt", "[0/5][0/9]\tLoss_D: 1.3\tLoss_G: 0.7\n", True),
        (
            "report.json",
            '{"d_loss_trend": "0.9, 0.1", "g_loss_trend": "1, 9"}\n',
            False,
        ),
        ("report.yaml", "d_loss_trend: 0.9, 0.1\ng_loss_trend: 1, 9\n", False),
        (
            "note.txt",
            "D loss fell from 0.69 to 0.0003 while errG climbed to 14\n",
            False,
        ),
    ],
)
def test_is_log(tmp_path: Path, name: str, text: str, expected: bool) -> None:
    path = tmp_path / name
    path.write_text(text)

    assert is_log(path) is expected


def test_is_log_run_directory(tmp_path: Path) -> None:
    (tmp_path / "events.out.tfevents.1.host").write_bytes(b"")

    assert is_log(tmp_path)
    assert not is_log(tmp_path / "missing.yaml")
