"""--d-col and --g-col: columns that exist but are no loss, and one column for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_triage.cli import main
from gan_triage.errors import InputError
from gan_triage.logs import report_from_log

CSV_LOG = "epoch,step,d_loss,g_loss,lr\n1,10,1,2,0.1\n2,20,0.5,3,0.1\n"
JSONL_LOG = (
    '{"epoch": 1, "run": "a", "d_loss": 1, "g_loss": 2}\n'
    '{"epoch": 2, "run": "a", "d_loss": 0.5, "g_loss": 3}\n'
)


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_text(path: Path, d_col: str | None = None, g_col: str | None = None) -> str:
    with pytest.raises(InputError) as error:
        report_from_log(path, d_col=d_col, g_col=g_col)
    return str(error.value)


def test_epoch_column_named(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_LOG, "log.csv")

    message = error_text(path, d_col="epoch")

    assert "--d-col 'epoch' is the log's epoch counter, not a loss" in message
    assert "is not a column" not in message
    assert "loss-like columns found: d_loss, g_loss" in message


def test_step_column_named(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_LOG, "log.csv")

    message = error_text(path, g_col="step")

    assert "--g-col 'step' is the log's step counter, not a loss" in message


def test_jsonl_epoch_key_named(tmp_path: Path) -> None:
    path = write(tmp_path, JSONL_LOG, "log.jsonl")

    message = error_text(path, d_col="epoch")

    assert "--d-col 'epoch' is the log's epoch counter, not a loss" in message
    assert "loss-like columns found: d_loss, g_loss" in message


def test_jsonl_text_key_named(tmp_path: Path) -> None:
    path = write(tmp_path, JSONL_LOG, "log.jsonl")

    message = error_text(path, d_col="run")

    assert "--d-col 'run' has no numeric values in this log" in message
    assert "loss-like columns found: d_loss, g_loss" in message


def test_missing_column_lists_losses(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_LOG, "log.csv")

    message = error_text(path, d_col="errD")

    assert "--d-col 'errD' is not a column of this log" in message
    assert "loss-like columns found: d_loss, g_loss" in message


def test_missing_column_no_losses(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,critic,gen\n1,-3,2\n", "log.csv")

    message = error_text(path, d_col="crit", g_col="gen")

    assert "no loss-like columns found; columns found: critic, gen" in message


def test_same_column_both_roles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, CSV_LOG, "log.csv")

    code = main(["report", str(path), "--d-col", "d_loss", "--g-col", "d_loss"])

    err = capsys.readouterr().err
    assert code == 2
    assert "--d-col and --g-col both name the column 'd_loss'" in err
    assert "Traceback" not in err


def test_same_column_by_spelling(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_LOG, "log.csv")

    message = error_text(path, d_col="D_LOSS", g_col="d_loss")

    assert "both name the column 'd_loss'" in message


def test_override_is_found_column(tmp_path: Path) -> None:
    # G is found as g_loss by name, so naming g_loss for D leaves G no column.
    path = write(tmp_path, CSV_LOG, "log.csv")

    message = error_text(path, d_col="g_loss")

    assert "--d-col 'g_loss' is also the column found for G" in message
    assert "--g-col" in message
