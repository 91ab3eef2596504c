"""Keras-GAN bracketed lines and Keras ``[loss, accuracy]`` lists."""

from __future__ import annotations

from pathlib import Path

from gan_triage.logs import report_from_log
from gan_triage.logs.console import parse_line

KERAS_GAN = (
    "0 [D loss: 0.693147, acc.: 50.00%] [G loss: 0.693147]\n"
    "1 [D loss: 0.500000, acc.: 75.00%] [G loss: 1.000000]\n"
    "2 [D loss: 0.300000, acc.: 87.50%] [G loss: 2.000000]\n"
    "3 [D loss: 0.100000, acc.: 100.00%] [G loss: 3.000000]\n"
)
KERAS_LISTS = (
    "Epoch 1/2\n"
    "d_loss: [0.6, 0.5] - g_loss: 0.9\n"
    "d_loss: [0.8, 0.7] - g_loss: 1.1\n"
    "Epoch 2/2\n"
    "d_loss: [0.4, 0.9] - g_loss: 2.0\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "train.log"
    path.write_text(text)
    return path


def test_step_line_fields() -> None:
    epoch, values = parse_line("4999 [D loss: 0.012, acc.: 100.00%] [G loss: 7.21]")

    assert epoch is None
    assert values == {"step": 4999, "D loss": 0.012, "D acc": 1.0, "G loss": 7.21}


def test_epoch_bracket_fields() -> None:
    line = (
        "[Epoch 3/200] [Batch 5/100] [D loss: 0.2, acc: 90%] "
        "[G loss: 1.5, adv: 0.9, recon: 0.3] time: 0:00:12.5"
    )

    epoch, values = parse_line(line)

    assert epoch == 3
    assert values == {
        "D loss": 0.2,
        "D acc": 0.9,
        "G loss": 1.5,
        "G adv": 0.9,
        "G recon": 0.3,
    }


def test_dcgan_brackets_untouched() -> None:
    epoch, values = parse_line("[3/25][100/1583]\tLoss_D: 0.41\tLoss_G: 3.12")

    assert epoch == 3
    assert values == {"Loss_D": 0.41, "Loss_G": 3.12}


def test_steps_as_epochs(tmp_path: Path) -> None:
    path = write(tmp_path, KERAS_GAN)

    report = report_from_log(path)

    assert report.d.values == [0.6931, 0.5, 0.3, 0.1]
    assert report.g.values == [0.6931, 1, 2, 3]
    assert any("counts as one epoch" in warning for warning in report.warnings)


def test_steps_per_epoch(tmp_path: Path) -> None:
    path = write(tmp_path, KERAS_GAN)

    report = report_from_log(path, steps_per_epoch=2)

    # (0.693147 + 0.5) / 2 = 0.59657 and (0.3 + 0.1) / 2 = 0.2.
    assert report.d.values == [0.5966, 0.2]
    # (0.693147 + 1) / 2 = 0.84657 and (2 + 3) / 2 = 2.5.
    assert report.g.values == [0.8466, 2.5]


def test_accuracy_only_warned(tmp_path: Path) -> None:
    path = write(tmp_path, KERAS_GAN)

    report = report_from_log(path, steps_per_epoch=2)

    # Last epoch: (87.5% + 100%) / 2. Real and fake are not split, so the
    # report's accuracy fields stay empty.
    assert any("together (D acc) is 93.75%" in w for w in report.warnings)
    assert report.d_accuracy_on_real is None
    assert report.d_accuracy_on_fake is None


def test_averaged_bce_noted(tmp_path: Path) -> None:
    path = write(tmp_path, KERAS_GAN)

    warnings = report_from_log(path).warnings

    assert any("--loss-type bce-mean" in warning for warning in warnings)


def test_list_value_fields() -> None:
    _, values = parse_line("d_loss: [0.69, 0.5, 0.25] - g_loss: 0.8")

    assert values == {"d_loss": 0.69, "d_acc": 0.5, "d_loss[2]": 0.25, "g_loss": 0.8}


def test_list_keeps_accuracy_apart(tmp_path: Path) -> None:
    path = write(tmp_path, KERAS_LISTS)

    report = report_from_log(path)

    # Losses only: (0.6 + 0.8) / 2 = 0.7, then 0.4. With the accuracies
    # mixed in, epoch 1 would read (0.6 + 0.5 + 0.8 + 0.7) / 4 = 0.65.
    assert report.d.values == [0.7, 0.4]
    assert report.g.values == [1.0, 2.0]
    assert any("together (d_acc) is 90%" in w for w in report.warnings)
