"""The CSV tail reader: same report as the forward reader, from the end of a log."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

import gan_triage.logs as logs
from gan_triage.errors import InputError
from gan_triage.logs import report_from_log, tail, tail_jsonl
from gan_triage.logs.columns import map_columns
from gan_triage.logs.delimited import read_header

RUNS = Path(__file__).parent / "data" / "runs"
RUN_LOGS = sorted(path for path in RUNS.glob("*.csv") if path.name != "labels.csv")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test logs are a few kilobytes, so the first backward block must be
    # small for the tail to stay under a quarter of the file.
    monkeypatch.setattr(tail, "TAIL_FIRST_BLOCK", 256)


def tail_used(path: Path, window: int = 10, steps: int | None = None) -> bool:
    header = read_header(path)
    columns = map_columns(header.names, str(path))
    return tail.read_tail(path, header, columns, window, steps) is not None


def forward_report(
    monkeypatch: pytest.MonkeyPatch, path: Path, **options: Any
) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(logs, "read_tail", lambda *args: None)
        return tail_report(path, **options)


def nan_as_text(value: Any) -> Any:
    """Replace NaN floats in a model dump with a string, so NaN equals NaN."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {key: nan_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [nan_as_text(item) for item in value]
    return value


def tail_report(path: Path, **options: Any) -> dict[str, Any]:
    return nan_as_text(report_from_log(path, **options).model_dump())


def write_rows(
    path: Path, header: str, rows: list[str], newline: str = "\n", last: bool = True
) -> Path:
    text = newline.join([header, *rows])
    path.write_bytes((text + (newline if last else "")).encode())
    return path


def step_rows(epochs: int, steps: int, first_epoch: int = 0) -> list[str]:
    """Return ``epoch,step,d_loss,g_loss,d_x`` rows with seeded random losses."""
    rng = random.Random(7)
    rows = []
    for epoch in range(first_epoch, first_epoch + epochs):
        for step in range(steps):
            d_loss = 1.4 - epoch / 100 + rng.random() / 10
            g_loss = 0.7 + epoch / 50 + rng.random() / 10
            d_x = 0.5 + rng.random() / 4
            rows.append(f"{epoch},{epoch * steps + step},{d_loss},{g_loss},{d_x}")
    return rows


STEP_HEADER = "epoch,step,d_loss,g_loss,d_x"


def test_hand_log_last_two_epochs(tmp_path: Path) -> None:
    # Epochs 1-18 hold D = G = 1 in both rows. Epoch 19: D (1 + 2) / 2 = 1.5,
    # G (4 + 8) / 2 = 6. Epoch 20: D (0.5 + 0.25) / 2 = 0.375, G (2 + 3) / 2
    # = 2.5. Epochs start at 1, so 20 were trained.
    rows = [f"{epoch},1,1" for epoch in range(1, 19) for _ in range(2)]
    rows += ["19,1,4", "19,2,8", "20,0.5,2", "20,0.25,3"]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)

    report = report_from_log(path, window=2)

    assert tail_used(path, window=2)
    assert report.d.values == [1.5, 0.375]
    assert report.g.values == [6.0, 2.5]
    assert report.epochs == 20
    assert report.d_loss_trend == "1.5, 0.375 (last 2 epochs of 20, decreasing)"


@pytest.mark.parametrize("path", RUN_LOGS, ids=lambda path: path.stem)
def test_run_logs_match(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert report == expected


@pytest.mark.parametrize(
    "path",
    [path for path in RUN_LOGS if "sgd" not in path.name],
    ids=lambda path: path.stem,
)
def test_run_logs_use_tail(path: Path) -> None:
    # Every run log but the 3-epoch SGD run has far more than 11 epochs.
    assert tail_used(path)


def test_step_level_from_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(60, 50))
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    assert report["epochs"] == 60


def test_step_level_from_five(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A resumed run: epochs 5-64, so the forward reader counts 60 epochs in
    # the trend but 64 trained.
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(60, 50, 5))
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    assert report["epochs"] == 64
    assert "of 60," in report["d_loss_trend"]


def test_lightning_sparse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # PyTorch Lightning writes D and G step values on different rows and the
    # epoch means on a row of their own at the end of each epoch.
    rng = random.Random(3)
    rows = []
    for epoch in range(60):
        for step in range(epoch * 10, epoch * 10 + 10):
            rows.append(f",{rng.random()},{epoch},,,{step}")
            rows.append(f",,{epoch},,{rng.random()},{step}")
        rows.append(f"{rng.random()},,{epoch},{rng.random()},,{epoch * 10 + 9}")
    header = "d_loss_epoch,d_loss_step,epoch,g_loss_epoch,g_loss_step,step"
    path = write_rows(tmp_path / "metrics.csv", header, rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_lightning_step_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(4)
    rows = []
    for step in range(600):
        rows.append(f"{rng.random()},{step // 10},,{step}")
        rows.append(f",{step // 10},{rng.random()},{step}")
    path = write_rows(tmp_path / "m.csv", "d_loss_step,epoch,g_loss_step,step", rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_empty_epoch_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the first row of each epoch states it; the others carry it.
    rows = [
        f"{epoch if step == 0 else ''},{epoch * 1.5 + step},{epoch - step}"
        for epoch in range(50)
        for step in range(4)
    ]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_steps_per_epoch_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{step},{math.sin(step)},{math.cos(step)}" for step in range(2000)]
    path = write_rows(tmp_path / "log.csv", "step,d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path, steps_per_epoch=20)

    report = tail_report(path, steps_per_epoch=20)

    assert tail_used(path, steps=20)
    assert report == expected
    assert report["epochs"] == 100


def test_steps_per_epoch_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No epoch or step column: the epoch is the row's position // 20, which
    # needs the count of all rows.
    rows = [f"{math.sin(row)},{math.cos(row)}" for row in range(2010)]
    path = write_rows(tmp_path / "log.csv", "d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path, steps_per_epoch=20)

    report = tail_report(path, steps_per_epoch=20)

    assert tail_used(path, steps=20)
    assert report == expected
    # Rows 0-2009 in epochs of 20: epochs 0-100, the last holding 10 rows.
    assert report["epochs"] == 101


def test_record_per_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{row / 100},{2 - row / 100}" for row in range(300)]
    path = write_rows(tmp_path / "log.csv", "d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    assert any("no epoch column" in warning for warning in report["warnings"])


def test_step_as_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Steps logged every 50: each step is an epoch, and the forward reader
    # counts 200 of them, not the last step number.
    rows = [f"{step},{step / 1e4},{1 - step / 1e4}" for step in range(0, 10_000, 50)]
    path = write_rows(tmp_path / "log.csv", "step,d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    assert "of 200," in report["d_loss_trend"]


def test_nan_in_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = step_rows(60, 5)
    rows[-12] = "57,288,nan,inf,0.5"
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    assert any("epoch 57" in warning for warning in report["warnings"])


def test_no_final_newline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(60, 5), last=False)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_crlf_endings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(60, 5), "\r\n")
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_crlf_row_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{row},{-row}" for row in range(500)]
    path = write_rows(tmp_path / "log.csv", "d_loss,g_loss", rows, "\r\n", last=False)
    expected = forward_report(monkeypatch, path, steps_per_epoch=7)

    report = tail_report(path, steps_per_epoch=7)

    assert tail_used(path, steps=7)
    assert report == expected


def test_tsv_with_bom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [row.replace(",", "\t") for row in step_rows(60, 5)]
    path = tmp_path / "log.tsv"
    text = "\n" + STEP_HEADER.replace(",", "\t") + "\n" + "\n".join(rows) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected


def test_every_fifth_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{epoch},{1 / (epoch + 1)},{epoch}" for epoch in range(0, 500, 5)]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert tail_used(path)
    assert report == expected
    # 100 logged epochs, the last numbered 495 and the first 0.
    assert "of 100," in report["d_loss_trend"]
    assert report["epochs"] == 496


def test_window_over_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(8, 5))
    expected = forward_report(monkeypatch, path, window=20)

    report = tail_report(path, window=20)

    assert not tail_used(path, window=20)
    assert report == expected


def test_window_of_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, step_rows(60, 5))
    expected = forward_report(monkeypatch, path, window=1)

    report = tail_report(path, window=1)

    assert tail_used(path, window=1)
    assert report == expected


def test_falling_epoch_reads_forwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = step_rows(60, 5)
    rows[-3:] = ["56,0,1,1,0.5", "56,1,1,1,0.5", "56,2,1,1,0.5"]
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, rows)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert not tail_used(path)
    assert report == expected


def test_epoch_gap_reads_forwards(tmp_path: Path) -> None:
    rows = [f"{epoch},1,2" for epoch in [*range(30), *range(31, 60)]]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)

    assert tail_used(path)
    rows = [f"{epoch},1,2" for epoch in [*range(50), *range(51, 60)]]
    path = write_rows(tmp_path / "gap.csv", "epoch,d_loss,g_loss", rows)

    assert not tail_used(path)


def test_quotes_read_forwards(tmp_path: Path) -> None:
    rows = [f'{epoch},"1",2' for epoch in range(60)]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)

    assert not tail_used(path)


def test_blank_line_rows_forwards(tmp_path: Path) -> None:
    # Without an epoch or step column a blank line would shift every row's
    # position, so the row count is not trusted.
    rows = [f"{row},{row}" for row in range(300)]
    rows[100] = ""
    path = write_rows(tmp_path / "log.csv", "d_loss,g_loss", rows)
    rows[100] = "\r"
    carriage = write_rows(tmp_path / "cr.csv", "d_loss,g_loss", rows)

    assert not tail_used(path, steps=5)
    assert not tail_used(carriage, steps=5)


def test_ragged_tail_row_error(tmp_path: Path) -> None:
    rows = step_rows(60, 5)
    rows[-4] = "59,296,1,2"
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, rows)

    # The header is line 1, so the fourth row from the end of 300 is line 298.
    with pytest.raises(InputError, match="line 298 has 4 fields but the header"):
        report_from_log(path)


def test_text_tail_cell_error(tmp_path: Path) -> None:
    rows = step_rows(60, 5)
    rows[-1] = "59,299,oops,2,0.5"
    path = write_rows(tmp_path / "log.csv", STEP_HEADER, rows)

    with pytest.raises(InputError, match="line 301: d_loss is 'oops'"):
        report_from_log(path)


def test_ragged_middle_row_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broken row past the first block and before the tail is never read, so
    # the report of the last two epochs (D 1.5 and 0.375 as in the hand log)
    # is still given.
    monkeypatch.setattr(tail, "HEAD_BYTES", 64)
    rows = [f"{epoch},1,1" for epoch in range(1, 39) for _ in range(2)]
    rows[20] = "11,1"
    rows += ["39,1,4", "39,2,8", "40,0.5,2", "40,0.25,3"]
    path = write_rows(tmp_path / "log.csv", "epoch,d_loss,g_loss", rows)

    report = report_from_log(path, window=2)

    assert report.d.values == [1.5, 0.375]
    assert report.epochs == 40


def jsonl_rows(epochs: int, steps: int) -> list[str]:
    """Return JSON Lines records with an epoch key and nested, seeded losses."""
    rng = random.Random(9)
    rows = []
    for epoch in range(epochs):
        for step in range(steps):
            d_loss, g_loss = rng.random(), 1 + rng.random()
            rows.append(
                f'{{"epoch": {epoch}, "step": {epoch * steps + step}, '
                f'"train": {{"d_loss": {d_loss}, "g_loss": {g_loss}}}}}'
            )
    return rows


def jsonl_tail_used(path: Path, window: int = 10) -> bool:
    return tail_jsonl.read_jsonl_tail(path, window) is not None


def test_jsonl_hand_log(tmp_path: Path) -> None:
    # Epochs 1-18 hold D = G = 1. Epoch 19: D (1 + 2) / 2 = 1.5, G 4.
    # Epoch 20: D 0.5, G (2 + 3) / 2 = 2.5.
    rows = [f'{{"epoch": {epoch}, "d_loss": 1, "g_loss": 1}}' for epoch in range(1, 19)]
    rows += [
        '{"epoch": 19, "d_loss": 1, "g_loss": 4}',
        '{"epoch": 19, "d_loss": 2, "g_loss": 4}',
        '{"epoch": 20, "d_loss": 0.5, "g_loss": 2}',
        '{"epoch": 20, "d_loss": 0.5, "g_loss": 3}',
    ]
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:])

    report = report_from_log(path, window=2)

    assert jsonl_tail_used(path, window=2)
    assert report.d.values == [1.5, 0.5]
    assert report.g.values == [4.0, 2.5]
    assert report.epochs == 20
    assert report.g_loss_trend == "4, 2.5 (last 2 epochs of 20, decreasing)"


def test_jsonl_step_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = jsonl_rows(60, 8)
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:])
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert jsonl_tail_used(path)
    assert report == expected
    assert report["epochs"] == 60


def test_jsonl_nan_crlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = jsonl_rows(60, 4)
    rows[-5] = '{"epoch": 58, "step": 235, "train": {"d_loss": NaN, "g_loss": "inf"}}'
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:], "\r\n", last=False)
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert jsonl_tail_used(path)
    assert report == expected
    assert any("epoch 58" in warning for warning in report["warnings"])


def test_jsonl_missing_epoch_forwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = jsonl_rows(60, 4)
    rows[-2] = '{"step": 238, "train": {"d_loss": 0.1, "g_loss": 9}}'
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:])
    expected = forward_report(monkeypatch, path)

    report = tail_report(path)

    assert not jsonl_tail_used(path)
    assert report == expected


def test_jsonl_other_names_forwards(tmp_path: Path) -> None:
    rows = jsonl_rows(60, 4)
    rows[-1] = '{"epoch": 59, "step": 239, "train": {"d_loss": 0.1}}'
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:])

    assert not jsonl_tail_used(path)


def test_jsonl_invalid_tail_error(tmp_path: Path) -> None:
    rows = jsonl_rows(60, 4)
    rows[-1] = '{"epoch": 59,'
    path = write_rows(tmp_path / "log.jsonl", rows[0], rows[1:])

    # 240 records, the first written as the header line: line 240 is the last.
    with pytest.raises(InputError, match="line 240 is not valid JSON"):
        report_from_log(path)
