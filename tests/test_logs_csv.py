"""CSV and TSV logs: per-epoch means worked out by hand, sparse cells, bad input."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from gan_triage.errors import InputError
from gan_triage.logs import fields_from_log, report_from_log


def write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


HAND_LOG = """epoch,step,loss_D,loss_G,D(x),D(G(z))
1,1,1.0,2.0,0.9,0.1
1,2,2.0,4.0,0.7,0.3
2,3,0.5,1.0,0.6,0.2
2,4,0.25,3.0,0.8,0.4
2,5,0.75,5.0,1.0,0.0
3,6,0.1,7.0,0.5,0.5
"""


def test_hand_log_epoch_means(tmp_path: Path) -> None:
    # Epoch 1: D (1+2)/2 = 1.5, G (2+4)/2 = 3. Epoch 2: D 1.5/3 = 0.5,
    # G 9/3 = 3. Epoch 3: D 0.1, G 7.
    path = write(tmp_path, HAND_LOG)

    report = report_from_log(path)

    assert report.d.values == [1.5, 0.5, 0.1]
    assert report.g.values == [3.0, 3.0, 7.0]
    assert report.epochs == 3


def test_hand_log_window_means(tmp_path: Path) -> None:
    # Window of 2: epochs 2 and 3. D(x) epoch means 0.8 and 0.5 -> 0.65;
    # D(G(z)) 0.2 and 0.5 -> 0.35.
    path = write(tmp_path, HAND_LOG)

    report = report_from_log(path, window=2)

    assert report.d.values == [0.5, 0.1]
    assert report.d_x == 0.65
    assert report.d_g_z == 0.35
    assert report.d_loss_trend == "0.5, 0.1 (last 2 epochs of 3, decreasing)"


def test_steps_per_epoch(tmp_path: Path) -> None:
    # No epoch column: steps 0-3 with 2 steps per epoch give epochs 0 and 1.
    path = write(tmp_path, "step,d_loss,g_loss\n0,1,5\n1,3,7\n2,0.5,1\n3,0.5,2\n")

    report = report_from_log(path, steps_per_epoch=2)

    assert report.d.values == [2.0, 0.5]
    assert report.g.values == [6.0, 1.5]
    assert report.epochs == 2


def test_no_epoch_column_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "d_loss,g_loss\n1,5\n0.5,6\n0.25,7\n")

    report = report_from_log(path)

    assert report.d.values == [1.0, 0.5, 0.25]
    assert any("no epoch column" in warning for warning in report.warnings)


def test_lightning_sparse_rows(tmp_path: Path) -> None:
    # PyTorch Lightning writes D and G on different rows of metrics.csv.
    text = (
        "d_loss_step,epoch,g_loss_step,step\n"
        "1.0,0,,0\n,0,3.0,0\n3.0,0,,1\n,0,5.0,1\n0.5,1,,2\n,1,1.0,2\n"
    )
    path = write(tmp_path, text, "metrics.csv")

    report = report_from_log(path)

    assert report.d.values == [2.0, 0.5]
    assert report.g.values == [4.0, 1.0]
    assert report.epochs == 2


def test_tsv_with_wandb_names(tmp_path: Path) -> None:
    text = (
        "Step\trun-7 - train/d_loss\trun-7 - train/d_loss__MIN\trun-7 - train/g_loss\n"
        "1\t0.5\t0.1\t2\n2\t0.25\t0.1\t3\n"
    )
    path = write(tmp_path, text, "export.tsv")

    report = report_from_log(path)

    assert report.d.values == [0.5, 0.25]
    assert report.g.values == [2.0, 3.0]


def test_quoted_cells(tmp_path: Path) -> None:
    path = write(tmp_path, '"epoch","errD","errG"\n"1","0.5","2"\n"2","0.25","3"\n')

    report = report_from_log(path)

    assert report.d.values == [0.5, 0.25]


def test_column_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,critic,gen\n1,-3,2\n2,-4,3\n")

    report = report_from_log(path, d_col="critic", g_col="gen")

    assert report.d.values == [-3.0, -4.0]
    assert report.g.values == [2.0, 3.0]


def test_no_loss_column_lists_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,lr,fid\n1,0.1,30\n")

    with pytest.raises(InputError) as error:
        report_from_log(path)

    assert "columns found: lr, fid" in str(error.value)
    assert "--d-col" in str(error.value)


def test_unknown_override(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n")

    with pytest.raises(InputError, match="--d-col 'errD' is not a column"):
        report_from_log(path, d_col="errD")


def test_ragged_row_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n2,1\n3,1,2\n")

    with pytest.raises(InputError, match="line 3 has 2 fields"):
        report_from_log(path)


def test_text_cell_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n2,oops,2\n")

    with pytest.raises(InputError, match="line 3: d_loss is 'oops'"):
        report_from_log(path)


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    with pytest.raises(InputError, match="empty"):
        report_from_log(path)


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n")

    with pytest.raises(InputError, match="hold no values"):
        report_from_log(path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(bytes(range(256)) * 4)

    with pytest.raises(InputError, match="binary content"):
        report_from_log(path)


def test_non_utf8_names_byte(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(b"epoch,d_loss,g_loss\n1,1,2\n2,\xe9,2\n")

    # Offsets count from 0: 20 bytes of header, 6 of line 2, then "2," is 2.
    with pytest.raises(InputError, match=r"not valid UTF-8 at byte 28 \(line 3\)"):
        report_from_log(path)


def test_fewer_epochs_than_window(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n2,0.5,3\n")

    report = report_from_log(path, window=10)

    assert report.d.values == [1.0, 0.5]
    assert any("fewer than the window of 10" in w for w in report.warnings)


def test_nan_epoch_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n2,nan,inf\n")

    report = report_from_log(path)

    assert report.d_loss_trend.startswith("1, nan ")
    assert report.g_loss_trend.startswith("2, inf ")
    assert report.d.nonfinite
    assert any("nan or inf in 1 of the last 2 epochs" in w for w in report.warnings)


def test_streams_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 150,000 rows (about 2.4 MB) in 375 epochs of 400 steps, read in 16 KiB
    # blocks: no single read may ask for more than a block, and the peak of
    # memory allocated while reading must stay well under the file's size.
    from gan_triage.logs import chunks

    path = tmp_path / "big.csv"
    rows = "".join(
        f"{step // 400},{step},{1 + step % 2},{step // 400}\n"
        for step in range(150_000)
    )
    path.write_text("epoch,step,d_loss,g_loss\n" + rows)
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
    summary = fields_from_log(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # D alternates 1 and 2 within each epoch of 400 steps: mean 1.5. G is the
    # epoch number, and epochs run from 0 to 374, so 375 were trained.
    assert summary.fields["d_loss_trend"].startswith("1.5, 1.5, ")
    assert summary.fields["g_loss_trend"].startswith("365, 366, ")
    assert summary.fields["epochs"] == 375
    assert sizes
    assert all(0 < size <= 16 * 1024 for size in sizes)
    assert path.stat().st_size > 2_000_000
    assert peak < path.stat().st_size / 3


def test_long_binary_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No line break at all: the reader must stop at the line limit, not load
    # the whole file, and name the NUL byte it found.
    from gan_triage.logs import chunks

    monkeypatch.setattr(chunks, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(chunks, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "log.csv"
    path.write_bytes(b"epoch,d_loss,g_loss\n" + b"1" * 5000 + b"\x00" + b"2" * 50_000)

    with pytest.raises(InputError, match="NUL byte at byte 5020"):
        report_from_log(path)


def test_overlong_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gan_triage.logs import chunks

    monkeypatch.setattr(chunks, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(chunks, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "log.csv"
    path.write_bytes(b"epoch,d_loss,g_loss\n" + b"1" * 50_000)

    with pytest.raises(InputError, match="line 2 is longer than 4096 bytes"):
        report_from_log(path)


def test_nan_epoch_cell_carries_forward(tmp_path: Path) -> None:
    path = write(tmp_path, "epoch,d_loss,g_loss\n1,1,2\n,3,4\nnan,5,6\n2,0.5,1\n")

    report = report_from_log(path)

    # Rows with an empty or NaN epoch belong to the last epoch seen (1):
    # D (1 + 3 + 5) / 3 = 3, G (2 + 4 + 6) / 3 = 4.
    assert report.d.values == [3.0, 0.5]
    assert report.g.values == [4.0, 1.0]
