"""Console output: the DCGAN tutorial's lines, Keras lines, key=value lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_triage.errors import InputError
from gan_triage.logs import report_from_log
from gan_triage.logs.console import parse_line


def write(tmp_path: Path, text: str, name: str = "train.log") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dcgan_line_fields() -> None:
    line = (
        "[3/25][100/1583]\tLoss_D: 0.41\tLoss_G: 3.12\tD(x): 0.86\tD(G(z)): 0.21 / 0.05"
    )

    epoch, values = parse_line(line)

    assert epoch == 3
    assert values == {"Loss_D": 0.41, "Loss_G": 3.12, "D(x)": 0.86, "D(G(z))": 0.21}


def test_dcgan_log(tmp_path: Path) -> None:
    text = (
        "Starting Training Loop...\n"
        "[0/2][0/3]\tLoss_D: 1.4\tLoss_G: 0.6\tD(x): 0.5\tD(G(z)): 0.5 / 0.4\n"
        "[0/2][2/3]\tLoss_D: 1.2\tLoss_G: 0.8\tD(x): 0.7\tD(G(z)): 0.3 / 0.2\n"
        "[1/2][0/3]\tLoss_D: 0.2\tLoss_G: 3.0\tD(x): 0.9\tD(G(z)): 0.1 / 0.05\n"
    )
    path = write(tmp_path, text)

    report = report_from_log(path, window=1)

    # Epoch 0 means: D 1.3, G 0.7. Epochs count from 0, so two were trained.
    assert report.d.values == [0.2]
    assert report.d_x == 0.9
    assert report.d_g_z == 0.1
    assert report.epochs == 2
    assert report_from_log(path).d.values == [1.3, 0.2]


def test_keras_progress_lines(tmp_path: Path) -> None:
    text = (
        "Epoch 1/2\n"
        "10/10 [===>....] - d_loss: 9.0 - g_loss: 9.0\r"
        "10/10 [========] - 1s 5ms/step - d_loss: 0.7 - g_loss: 0.9\n"
        "Epoch 2/2\n"
        "10/10 [========] - 1s 5ms/step - d_loss: 0.1 - g_loss: 4.3\n"
    )
    path = write(tmp_path, text, "keras.out")

    report = report_from_log(path)

    assert report.d.values == [0.7, 0.1]
    assert report.g.values == [0.9, 4.3]
    assert report.epochs == 2


def test_key_value_lines(tmp_path: Path) -> None:
    text = (
        "INFO epoch=1 step=10 disc_loss=1.0 gen_loss=2.0 lr=2e-4\n"
        "INFO epoch=1 step=20 disc_loss=0.5 gen_loss=4.0 lr=2e-4\n"
        "INFO epoch=2 step=30 disc_loss=0.25 gen_loss=8.0 lr=2e-4\n"
    )
    path = write(tmp_path, text)

    report = report_from_log(path)

    assert report.d.values == [0.75, 0.25]
    assert report.g.values == [3.0, 8.0]


def test_log_without_losses(tmp_path: Path) -> None:
    path = write(tmp_path, "loading data\nlr=0.1\n")

    with pytest.raises(InputError, match="no D or G loss column found"):
        report_from_log(path)


def test_non_utf8_log(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"d_loss: 1 g_loss: 2\n\xff\xfe\n")

    with pytest.raises(InputError, match="not valid UTF-8 at byte 20 \\(line 2\\)"):
        report_from_log(path)
