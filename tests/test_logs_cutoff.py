"""Logs cut off by a crash: a damaged last line is skipped, other damage is not."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import gan_triage.logs as logs
from gan_triage.errors import InputError
from gan_triage.logs import report_from_log, tail
from log_formats import RUNS

JSONL_RECORDS = [
    f'{{"epoch": {epoch}, "d_loss": {1 / epoch}, "g_loss": {epoch / 10}}}\n'
    for epoch in range(1, 26)
]
CUT_NOTE = "looks cut off (the run may have crashed); it was skipped"


def spy_results(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """Record what the tail reader ``name`` returns inside ``report_from_log``."""
    results: list[Any] = []
    real = getattr(logs, name)

    def spy(*args: Any) -> Any:
        results.append(real(*args))
        return results[-1]

    monkeypatch.setattr(logs, name, spy)
    return results


def cut_warnings(warnings: list[str]) -> list[str]:
    return [warning for warning in warnings if CUT_NOTE in warning]


def test_jsonl_cut_line_skipped(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(JSONL_RECORDS) + '{"epoch": 25, "d_lo')

    report = report_from_log(path, window=2)

    # Epochs 24 and 25 hold D = 1/24 and 1/25, G = 2.4 and 2.5.
    assert report.d.values == [0.04167, 0.04]
    assert report.g.values == [2.4, 2.5]
    assert report.epochs == 25
    assert len(cut_warnings(report.warnings)) == 1
    assert f"{path}: line 26 {CUT_NOTE}" in report.warnings[0]


def test_jsonl_cut_line_newline_error(tmp_path: Path) -> None:
    # With a line break after it, the same damage is not a crash's cut.
    path = tmp_path / "log.jsonl"
    path.write_text("".join(JSONL_RECORDS) + '{"epoch": 25, "d_lo\n')

    with pytest.raises(InputError) as error:
        report_from_log(path)

    # The string opens at the 15th character of the line.
    assert "line 26 is not valid JSON" in str(error.value)
    assert "Unterminated string starting at column 15" in str(error.value)
    assert "at at" not in str(error.value)


def test_jsonl_middle_damage_error(tmp_path: Path) -> None:
    records = list(JSONL_RECORDS)
    records[9] = '{"epoch": 10, "d_lo\n'
    path = tmp_path / "log.jsonl"
    path.write_text("".join(records).rstrip("\n"))

    with pytest.raises(InputError, match="line 10 is not valid JSON"):
        report_from_log(path)


def test_jsonl_whole_last_line_kept(tmp_path: Path) -> None:
    # A last record without a line break but with its closing brace is whole.
    path = tmp_path / "log.jsonl"
    path.write_text("".join(JSONL_RECORDS).rstrip("\n"))

    report = report_from_log(path, window=1)

    assert report.d.values == [0.04]
    assert not cut_warnings(report.warnings)


def test_jsonl_tail_skips_cut_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tail, "TAIL_FIRST_BLOCK", 256)
    records = [
        f'{{"epoch": {epoch}, "d_loss": {epoch % 7}, "g_loss": {epoch % 5}}}\n'
        for epoch in range(200)
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("".join(records) + '{"epoch": 200, "d_loss": 0.')
    results = spy_results(monkeypatch, "read_jsonl_tail")

    report = report_from_log(path, window=3)

    assert results
    assert results[0] is not None
    # Epochs 197-199: D = epoch % 7 = 1, 2, 3 and G = epoch % 5 = 2, 3, 4.
    assert report.d.values == [1.0, 2.0, 3.0]
    assert report.g.values == [2.0, 3.0, 4.0]
    # Epochs 0-199 were logged; counted from 1, that is 200.
    assert report.epochs == 200
    assert f"line 201 {CUT_NOTE}" in report.warnings[0]


CSV_HEADER = "epoch,d_loss,g_loss,d_acc_real\n"


def test_csv_cut_row_skipped(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(CSV_HEADER + "1,1,2,0.5\n2,0.5,3,0.75\n3,0.2")

    report = report_from_log(path)

    assert report.d.values == [1.0, 0.5]
    assert report.g.values == [2.0, 3.0]
    assert report.epochs == 2
    # The header is line 1, so the cut row of 2 cells out of 4 is line 4.
    assert f"{path}: line 4 {CUT_NOTE}" in report.warnings[0]
    assert "2 of the header's 4 fields" in report.warnings[0]


def test_csv_cut_row_newline_error(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(CSV_HEADER + "1,1,2,0.5\n2,0.5,3,0.75\n3,0.2\n")

    with pytest.raises(InputError, match="line 4 has 2 fields but the header"):
        report_from_log(path)


def test_csv_run_log_tail_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The DCGAN-style run log has 150 epochs of 18 columns after its header,
    # so the appended row "151,0.5,0.00" is line 152 with 3 cells.
    monkeypatch.setattr(tail, "TAIL_FIRST_BLOCK", 256)
    path = tmp_path / "run.csv"
    path.write_bytes((RUNS / "digits_dwins_s0.csv").read_bytes() + b"151,0.5,0.00")
    results = spy_results(monkeypatch, "read_tail")

    report = report_from_log(path)

    assert results
    assert results[0] is not None
    assert report.epochs == 150
    assert report.d.values[0] == 0.02687
    assert report.d_loss_trend.endswith("(last 10 epochs of 150, decreasing)")
    assert f"line 152 {CUT_NOTE}" in report.warnings[0]
    assert "3 of the header's 18 fields" in report.warnings[0]


def test_csv_forward_skips_cut_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "read_tail", lambda *args: None)
    rows = "".join(f"{epoch},{epoch},{2 * epoch},0.5\n" for epoch in range(1, 41))
    path = tmp_path / "log.csv"
    path.write_text(CSV_HEADER + rows + "41,0.")

    report = report_from_log(path, window=2)

    assert report.d.values == [39.0, 40.0]
    assert report.g.values == [78.0, 80.0]
    assert f"line 42 {CUT_NOTE}" in report.warnings[0]


def test_cut_header_only_error(tmp_path: Path) -> None:
    # A file cut inside its first line has nothing to skip to.
    path = tmp_path / "log.jsonl"
    path.write_text('{"epoch": 1, "d_lo')

    with pytest.raises(InputError, match="line 1 is not valid JSON"):
        report_from_log(path)


def test_cut_utf8_character(tmp_path: Path) -> None:
    # A crash inside a two-byte character leaves half of it at the end.
    path = tmp_path / "log.jsonl"
    cut = '{"epoch": 26, "note": "é'.encode()[:-1]
    path.write_bytes("".join(JSONL_RECORDS).encode() + cut)

    report = report_from_log(path, window=1)

    assert report.d.values == [0.04]
    assert f"line 26 {CUT_NOTE}" in report.warnings[0]


def test_cut_large_log_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 150,000 rows (about 2.4 MB) and a cut row, read in 16 KiB blocks: the
    # line count before the cut row must also read block by block and keep
    # the peak of memory well under the file's size.
    from gan_triage.logs import chunks

    path = tmp_path / "big.csv"
    rows = "".join(
        f"{step // 400},{step},{1 + step % 2},{step // 400}\n"
        for step in range(150_000)
    )
    path.write_text("epoch,step,d_loss,g_loss\n" + rows + "375,150000,1")
    del rows
    sizes: list[int] = []
    real_open = Path.open

    def spy_open(self: Path, *args: object, **kwargs: object) -> object:
        stream = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        real_read = stream.read

        def read(size: int = -1) -> object:
            sizes.append(size)
            return real_read(size)

        stream.read = read
        return stream

    monkeypatch.setattr(chunks, "BLOCK_BYTES", 16 * 1024)
    monkeypatch.setattr(Path, "open", spy_open)

    tracemalloc.start()
    report = report_from_log(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # D alternates 1 and 2 within each epoch of 400 steps: mean 1.5. Epochs
    # run from 0 to 374; the header is line 1, so the cut row is line 150,002.
    assert report.d.values[-1] == 1.5
    assert report.g.values[-1] == 374.0
    assert report.epochs == 375
    assert f"line 150002 {CUT_NOTE}" in report.warnings[0]
    assert sizes
    assert all(0 < size <= 16 * 1024 for size in sizes)
    assert peak < path.stat().st_size / 3
