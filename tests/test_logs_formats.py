"""The same run as CSV, JSON Lines, TensorBoard and console lines: one report.

Each copied run is rewritten in the other formats; the derived report fields
must be identical at the printed precision of 4 significant digits.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gan_triage.logs import fields_from_log, report_from_log
from gan_triage.rules import diagnose
from log_formats import RUNS, read_run, run_to_dcgan, run_to_events, run_to_jsonl

RUN_NAMES = [path.stem for path in sorted(RUNS.glob("*.csv")) if path.stem != "labels"]


def formats(tmp_path: Path, name: str) -> dict[str, Path]:
    rows = read_run(name)
    return {
        "csv": RUNS / f"{name}.csv",
        "jsonl": run_to_jsonl(rows, tmp_path / f"{name}.jsonl"),
        "tensorboard": run_to_events(rows, tmp_path / f"events.out.tfevents.{name}"),
        "console": run_to_dcgan(rows, tmp_path / f"{name}.log"),
    }


@pytest.mark.parametrize("name", RUN_NAMES)
def test_formats_agree(tmp_path: Path, name: str) -> None:
    paths = formats(tmp_path, name)

    fields = {key: fields_from_log(path).fields for key, path in paths.items()}

    for key in ("jsonl", "tensorboard", "console"):
        assert fields[key] == fields["csv"], key


def test_csv_fields_by_hand() -> None:
    # The last 10 epochs of digits_dwins_s0 in the CSV, at 4 significant digits,
    # and the mean of d_real_mean over those epochs.
    rows = read_run("digits_dwins_s0")[-10:]

    fields = fields_from_log(RUNS / "digits_dwins_s0.csv").fields

    expected_d = ", ".join(f"{float(row['d_loss']):.4g}" for row in rows)
    assert fields["d_loss_trend"].startswith(expected_d + " (last 10 epochs of 150")
    mean_dx = sum(float(row["d_real_mean"]) for row in rows) / 10
    assert fields["d_x"] == float(f"{mean_dx:.4g}")
    assert fields["epochs"] == 150


def labelled_runs() -> list[tuple[str, str, str]]:
    with (RUNS / "labels.csv").open(newline="") as stream:
        labels = list(csv.DictReader(stream))
    return [
        (label["run"], label["loss"], label["expected_expert"])
        for label in labels
        if label["expected_expert"] and label["run"] in RUN_NAMES
    ]


def loss_options(loss: str) -> dict[str, str]:
    """Map the label's loss column to report fields."""
    if loss.startswith("wgan-gp"):
        return {"loss_type": "wgan-gp"}
    objective = "saturating" if "saturating G" in loss and "non-" not in loss else None
    options = {"loss_type": "bce-sum"}
    if objective:
        options["g_objective"] = objective
    return options


def sample_notes(name: str) -> str:
    with (RUNS / "labels.csv").open(newline="") as stream:
        return next(
            row["sample_notes"] for row in csv.DictReader(stream) if row["run"] == name
        )


@pytest.mark.parametrize(("name", "loss", "expected"), labelled_runs())
def test_labels_from_every_format(
    tmp_path: Path, name: str, loss: str, expected: str
) -> None:
    paths = formats(tmp_path, name)
    options = loss_options(loss)

    for key, path in paths.items():
        report = report_from_log(path, samples=sample_notes(name), **options)
        assert diagnose(report).failure == expected, key
