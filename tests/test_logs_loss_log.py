"""pytorch-CycleGAN-and-pix2pix ``loss_log.txt``: epochs and column choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_triage.cli import main
from gan_triage.logs import is_log, report_from_log
from gan_triage.logs.console import parse_line

HEADER = "================ Training Loss (Fri Dec  4 10:11:12 2026) ================\n"
CYCLEGAN = (
    HEADER + "(epoch: 29, iters: 100, time: 0.123, data: 0.003) D_A: 0.300 G_A: 0.400 "
    "cycle_A: 1.234 idt_A: 0.500 D_B: 0.240 G_B: 0.330 cycle_B: 1.100 idt_B: 0.480 \n"
    "(epoch: 29, iters: 200, time: 0.121, data: 0.002) D_A: 0.200 G_A: 0.600 "
    "cycle_A: 1.034 idt_A: 0.400 D_B: 0.260 G_B: 0.370 cycle_B: 1.000 idt_B: 0.380 \n"
    "(epoch: 30, iters: 100, time: 0.125, data: 0.003) D_A: 0.100 G_A: 0.900 "
    "cycle_A: 0.934 idt_A: 0.300 D_B: 0.220 G_B: 0.410 cycle_B: 0.900 idt_B: 0.280 \n"
)
PIX2PIX = (
    HEADER + "(epoch: 5, iters: 100, time: 0.05, data: 0.01) G_GAN: 0.843 G_L1: 12.3 "
    "D_real: 0.61 D_fake: 0.58 \n"
    "(epoch: 5, iters: 200, time: 0.05, data: 0.01) G_GAN: 0.857 G_L1: 11.9 "
    "D_real: 0.65 D_fake: 0.60 \n"
    "(epoch: 6, iters: 100, time: 0.05, data: 0.01) G_GAN: 0.900 G_L1: 10.0 "
    "D_real: 0.50 D_fake: 0.70 \n"
)


def write(tmp_path: Path, text: str, name: str = "loss_log.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_prefix_gives_epoch() -> None:
    line = "(epoch: 30, iters: 400, time: 0.123, data: 0.003) D_A: 0.251 G_A: 0.310"

    epoch, values = parse_line(line)

    assert epoch == 30
    assert values == {"D_A": 0.251, "G_A": 0.310}


def test_pix2pix_line_adds_total() -> None:
    line = (
        "(epoch: 5, iters: 100, time: 0.05, data: 0.01) G_GAN: 0.843 G_L1: 12.3 "
        "D_real: 0.61 D_fake: 0.58"
    )

    _, values = parse_line(line)

    assert values["D_real+D_fake"] == pytest.approx(1.19)
    assert values["G_L1"] == 12.3


def test_loss_log_is_detected(tmp_path: Path) -> None:
    assert is_log(write(tmp_path, CYCLEGAN))


def test_cyclegan_uses_a_direction(tmp_path: Path) -> None:
    path = write(tmp_path, CYCLEGAN)

    report = report_from_log(path)

    # Epoch 29: D_A (0.3 + 0.2) / 2, G_A (0.4 + 0.6) / 2; epoch 30: one line.
    assert report.d.values == [0.25, 0.1]
    assert report.g.values == [0.5, 0.9]
    # epoch counts from 1 in these logs, so the last epoch is the count.
    assert report.epochs == 30


def test_cyclegan_warns_of_b_direction(tmp_path: Path) -> None:
    path = write(tmp_path, CYCLEGAN)

    warnings = report_from_log(path).warnings

    assert any("--d-col D_B --g-col G_B" in warning for warning in warnings)
    assert any("--loss-type lsgan" in warning for warning in warnings)
    assert not any("counts as one epoch" in warning for warning in warnings)


def test_cyclegan_b_direction(tmp_path: Path) -> None:
    path = write(tmp_path, CYCLEGAN)

    report = report_from_log(path, d_col="D_B", g_col="G_B")

    # Epoch 29: D_B (0.24 + 0.26) / 2, G_B (0.33 + 0.37) / 2.
    assert report.d.values == [0.25, 0.22]
    assert report.g.values == [0.35, 0.41]
    assert not any("CycleGAN" in warning for warning in report.warnings)


def test_cyclegan_epoch_total(tmp_path: Path) -> None:
    # 30 epochs of four lines each: the trend must say 30 epochs, not 120.
    lines = [HEADER]
    for epoch in range(1, 31):
        for iters in (100, 200, 300, 400):
            lines.append(
                f"(epoch: {epoch}, iters: {iters}, time: 0.1, data: 0.01) "
                "D_A: 0.250 G_A: 0.300 D_B: 0.240 G_B: 0.330\n"
            )
    path = write(tmp_path, "".join(lines))

    report = report_from_log(path)

    assert report.d_loss_trend.startswith("0.25, 0.25")
    assert "(last 10 epochs of 30" in report.d_loss_trend
    assert report.epochs == 30


def test_pix2pix_sums_d_terms(tmp_path: Path) -> None:
    path = write(tmp_path, PIX2PIX)

    report = report_from_log(path)

    # Epoch 5: ((0.61 + 0.58) + (0.65 + 0.60)) / 2 = 1.22; epoch 6: 0.5 + 0.7.
    assert report.d.values == [1.22, 1.2]
    # G_GAN only: (0.843 + 0.857) / 2 = 0.85, then 0.9; G_L1 is left out.
    assert report.g.values == [0.85, 0.9]
    assert report.epochs == 6


def test_pix2pix_terms_not_d_outputs(tmp_path: Path) -> None:
    path = write(tmp_path, PIX2PIX)

    report = report_from_log(path)

    # D_real and D_fake are losses here, not D's mean output on each side.
    assert report.d_x is None
    assert report.d_g_z is None


def test_pix2pix_warning(tmp_path: Path) -> None:
    path = write(tmp_path, PIX2PIX)

    warnings = report_from_log(path).warnings

    assert any("D_real + D_fake summed" in warning for warning in warnings)
    assert any("G_L1 is left out" in warning for warning in warnings)


def test_pix2pix_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # D near ln 4 and G near ln 2, both steady: D is at chance.
    path = write(tmp_path, PIX2PIX, "loss_log.log")

    code = main(
        ["triage", str(path), "--samples", "sharp", "--backend", "rules", "--json"]
    )

    assert code == 0
    assert '"failure": "equilibrium"' in capsys.readouterr().out
