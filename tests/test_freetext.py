"""Reading chat messages into report fields.

The expected fields were chosen by reading each message by hand: the words
about D, the words about G, and the words about the samples, each copied
exactly from the message.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from gan_triage.errors import InputError
from gan_triage.freetext import parse_free_text
from gan_triage.report import report_from_text
from gan_triage.trend import parse_trend

CASES = Path(__file__).parent / "data" / "cases"
NONE = "not reported"


def message(case: str) -> str:
    data = yaml.safe_load((CASES / f"report-{case}.yaml").read_text(encoding="utf-8"))
    return str(data["free_text"])


# case, d_loss_trend, g_loss_trend, sample_notes, D values, G values
FIELDS = [
    (
        "01",
        "D_X loss 3.28e-05",
        "G loss 0.204, G_Y loss 0.201, F loss 0.8102",
        NONE,
        [3.28e-05],
        [0.204, 0.201, 0.8102],
    ),
    (
        "02",
        "Loss/D/loss ~0.30 (0.2982898719501663 ...)",
        "Loss/G/loss ~17.7-17.9 (17.685931020736696, 17.919744742631913, "
        "17.732324146270752)",
        "Samples collapse and blur",
        [0.30],
        [17.7, 17.9],
    ),
    (
        "03",
        "the discriminator losses drop to 0 fast",
        "the generator losses sit at about 1",
        NONE,
        [0.0],
        [1.0],
    ),
    (
        "04",
        "D_fake and D_real stay at about 0.25 with zero variance after epoch 1",
        "the G GAN loss is stuck near 0.25",
        "Outputs look fine",
        [0.25],
        [0.25],
    ),
    (
        "05",
        "d_loss sits between 61.84632874 and 92.15061951",
        "g_loss prints 0.00000000 every step",
        NONE,
        [61.84632874, 92.15061951],
        [0.0],
    ),
    (
        "06",
        NONE,
        NONE,
        "results are fine in the early epochs, but from around epoch 59 the "
        "outputs collapse and look nearly the same",
        [],
        [],
    ),
    (
        "07",
        "after a few epochs the discriminator loss is as low as 0.001",
        "the generator sits around 5-11",
        NONE,
        [0.001],
        [5.0, 11.0],
    ),
    (
        "08",
        "Discriminator Loss 0.410",
        "Generator Loss 23.163",
        "My images look about the same as theirs though",
        [0.410],
        [23.163],
    ),
    (
        "09",
        "the discriminator gets perfect almost immediately, its loss is zero",
        "the generator loss just fluctuates without the model improving",
        NONE,
        [0.0],
        [],
    ),
    (
        "10",
        "the percep, Fake and Real losses all hover around 0.69 for ages",
        "the percep, Fake and Real losses all hover around 0.69 for ages",
        NONE,
        [0.69],
        [0.69],
    ),
    (
        "11",
        "from about epoch 2 the adversarial losses freeze, D at 1.398",
        # "the adversarial losses freeze" applies to both losses, so G's field
        # reaches back over D's clause to it.
        "from about epoch 2 the adversarial losses freeze, D at 1.398 and G at "
        "0.693, and never move again",
        NONE,
        [1.398],
        [0.693],
    ),
    (
        "12",
        "the DA/DB discriminator losses jump every iteration anywhere from under "
        ".01 to .25 with batch 64",
        "the generator loss is steadier and going down",
        NONE,
        [0.01, 0.25],
        [],
    ),
    (
        "13",
        "the discriminator error keeps dropping, from 0.59769108891487 down to "
        "0.0066521260887384",
        "My generator error keeps creeping up (0.75959807634354 at the start, "
        "4.9743659980595 now)",
        NONE,
        [0.59769108891487, 0.0066521260887384],
        [0.75959807634354, 4.9743659980595],
    ),
    (
        "14",
        "dloss shrinks every epoch (0.0001245313760591671 down to "
        "6.7484065766620915e-06 by epoch 10)",
        "g_loss is stuck at exactly 16.11809539794922",
        NONE,
        [0.0001245313760591671, 6.7484065766620915e-06],
        [16.11809539794922],
    ),
    (
        "15",
        "the losses are enormous from the start: d_loss 514810.00000000 with "
        "g_loss -49040.92578125, then d_loss 76364.06250000 with g_loss "
        "-404828.46875000",
        "the losses are enormous from the start: d_loss 514810.00000000 with "
        "g_loss -49040.92578125, then d_loss 76364.06250000 with g_loss "
        "-404828.46875000",
        NONE,
        [514810.0, 76364.0625],
        [-49040.92578125, -404828.46875],
    ),
    (
        "16",
        "D is real 0.428, fake1 0.016, fake2 0.023",
        "G gan1 6.830 rising to 6.840, gan2 6.101 to 6.116",
        NONE,
        [0.428, 0.016, 0.023],
        [6.830, 6.840, 6.101, 6.116],
    ),
    (
        "17",
        NONE,
        NONE,
        "example_gan.py with Keras 2 always produces the same digit, a 1 in my runs",
        [],
        [],
    ),
    (
        "18",
        NONE,
        "the GAN_A loss oscillates a lot",
        "fine for 5-8 epochs, then it outputs random noisy tables",
        [],
        [],
    ),
    (
        "19",
        "early logs look like G: 1.51 | D: 0.21, then G: 1.63 | D: 0.00",
        "early logs look like G: 1.51 | D: 0.21, then G: 1.63 | D: 0.00",
        "around 70k iterations it collapsed and now outputs random colour smears",
        [0.21, 0.00],
        [1.51, 1.63],
    ),
    (
        "20",
        "by iteration 14 both D_loss and G_loss are nan",
        "by iteration 14 both D_loss and G_loss are nan",
        NONE,
        [math.nan],
        [math.nan],
    ),
    (
        "21",
        "by epoch ~5000 the discriminator loss is stuck on 0",
        "the generator loss is stuck on 16",
        "Samples are only noise",
        [0.0],
        [16.0],
    ),
    (
        "22",
        "losses_d looks like [-923.39386, -1826.8832, 28.22277, 621261.6]",
        "loss_g is 1557.2732-2311.691",
        NONE,
        [-923.39386, -1826.8832, 28.22277, 621261.6],
        [1557.2732, 2311.691],
    ),
    (
        "23",
        "Discriminator_Loss 0.9368, 0.8507, 0.8301",
        "adversarial G loss 1.2429, 1.4514, 1.5216",
        NONE,
        [0.9368, 0.8507, 0.8301],
        [1.2429, 1.4514, 1.5216],
    ),
    (
        "24",
        "the last five (D, G) pairs are (-10472.333, 4983.048), (-10244.234, "
        "5052.324), (-354.68842, -4623.4795), (116.12535, 4025.599), "
        "(-10456.913, 4746.973)",
        "the last five (D, G) pairs are (-10472.333, 4983.048), (-10244.234, "
        "5052.324), (-354.68842, -4623.4795), (116.12535, 4025.599), "
        "(-10456.913, 4746.973)",
        "Results look poor",
        [-10472.333, -10244.234, -354.68842, 116.12535, -10456.913],
        [4983.048, 5052.324, -4623.4795, 4025.599, 4746.973],
    ),
    (
        "25",
        "the D loss hasn't decreased after 20000 iterations",
        "the G loss falls to about 1e-05 right at the beginning and stays there",
        NONE,
        [],
        [1e-05],
    ),
]


def same_values(got: list[float], expected: list[float]) -> bool:
    if len(got) != len(expected):
        return False
    return all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)
        for a, b in zip(got, expected, strict=True)
    )


@pytest.mark.parametrize(
    ("case", "d_text", "g_text", "notes", "d_values", "g_values"),
    FIELDS,
    ids=[row[0] for row in FIELDS],
)
def test_case_message_fields(
    case: str,
    d_text: str,
    g_text: str,
    notes: str,
    d_values: list[float],
    g_values: list[float],
) -> None:
    text = message(case)

    fields = parse_free_text(text, f"report-{case}")

    assert fields["d_loss_trend"] == d_text
    assert fields["g_loss_trend"] == g_text
    assert fields["sample_notes"] == notes
    for quoted in (d_text, g_text, notes):
        assert quoted == NONE or quoted in text
    d_trend = parse_trend(fields["d_loss_trend"], side="d")
    g_trend = parse_trend(fields["g_loss_trend"], side="g")
    assert same_values(d_trend.values, d_values), d_trend.values
    assert same_values(g_trend.values, g_values), g_trend.values


@pytest.mark.parametrize(
    ("case", "loss_type"),
    [
        ("03", "lsgan"),
        ("04", "lsgan"),
        ("15", "wgan-gp"),
        ("24", "wgan-gp"),
        ("25", "wgan"),
        ("13", None),
        ("19", None),
    ],
)
def test_case_loss_type(case: str, loss_type: str | None) -> None:
    fields = parse_free_text(message(case), case)

    assert fields.get("loss_type") == loss_type


@pytest.mark.parametrize(("case", "epochs"), [("08", 60), ("21", 5000), ("01", None)])
def test_case_epochs(case: str, epochs: int | None) -> None:
    assert parse_free_text(message(case), case).get("epochs") == epochs


def test_case_directions_survive() -> None:
    # Words kept with the numbers still give the direction the message states.
    fields = parse_free_text(message("13"), "report-13")

    assert parse_trend(fields["d_loss_trend"], side="d").direction == "decreasing"
    assert parse_trend(fields["g_loss_trend"], side="g").direction == "increasing"


def test_case_exact_constant_kept() -> None:
    fields = parse_free_text(message("11"), "report-11")

    assert parse_trend(fields["d_loss_trend"], side="d").exact_constant
    assert parse_trend(fields["g_loss_trend"], side="g").exact_constant


def test_grey_blob_example() -> None:
    text = (
        "D loss fell from 0.69 to 0.0003 while errG climbed to 14, and every "
        "sample is the same grey blob"
    )

    fields = parse_free_text(text, "message")

    assert fields["d_loss_trend"] == "D loss fell from 0.69 to 0.0003"
    assert fields["g_loss_trend"] == "errG climbed to 14"
    assert fields["sample_notes"] == "every sample is the same grey blob"
    assert parse_trend(fields["d_loss_trend"]).values == [0.69, 0.0003]
    assert parse_trend(fields["g_loss_trend"]).values == [14.0]


def test_names_no_loss() -> None:
    with pytest.raises(InputError) as raised:
        parse_free_text("my GAN is broken, please help", "chat")

    assert str(raised.value) == (
        'chat: names no D or G loss; write e.g. "D loss 0.9 -> 0.1, G loss 1 -> 6"'
    )


def test_names_loss_without_numbers() -> None:
    with pytest.raises(InputError) as raised:
        parse_free_text("my D loss looks weird", "chat")

    assert str(raised.value) == (
        "chat: gives no numbers or direction for the D or G loss; write e.g. "
        '"D loss 0.9 -> 0.1, G loss 1 -> 6"'
    )


def test_samples_only_is_enough() -> None:
    fields = parse_free_text("every sample is the same face", "chat")

    assert fields["d_loss_trend"] == NONE
    assert fields["g_loss_trend"] == NONE
    assert fields["sample_notes"] == "every sample is the same face"


def test_lines_as_fields() -> None:
    text = "d_loss: 0.9, 0.5, 0.1\ng_loss: 1, 3, 6\nsamples: all the same face"

    fields = parse_free_text(text, "chat")

    assert fields["d_loss_trend"] == "d_loss: 0.9, 0.5, 0.1"
    assert fields["g_loss_trend"] == "g_loss: 1, 3, 6"
    assert fields["sample_notes"] == "samples: all the same face"


def test_log_line_with_d_outputs() -> None:
    text = "Loss_D: 0.5 Loss_G: 2.3 D(x): 0.8 D(G(z)): 0.1 / 0.2"

    fields = parse_free_text(text, "chat")
    d_trend = parse_trend(fields["d_loss_trend"], side="d")
    g_trend = parse_trend(fields["g_loss_trend"], side="g")

    assert fields["d_x"] == "0.8"
    assert fields["d_g_z"] == "0.1"
    assert d_trend.values == [0.5]
    assert d_trend.parts == {"d_x": [0.8], "d_g_z": [0.1, 0.2]}
    assert g_trend.values == [2.3]


def test_accuracies_and_objective() -> None:
    text = (
        "D accuracy on real 99%, on fake 98%. D loss 0.01 and G loss 9 with "
        "the saturating loss"
    )

    fields = parse_free_text(text, "chat")

    assert fields["d_accuracy_on_real"] == "99%"
    assert fields["d_accuracy_on_fake"] == "98%"
    assert fields["g_objective"] == "saturating"
    assert fields["d_loss_trend"] == "D loss 0.01"


def test_non_saturating_not_saturating() -> None:
    fields = parse_free_text("non-saturating loss, D loss 0.3, G loss 2", "chat")

    assert fields["loss_type"] == "non-saturating"
    assert "g_objective" not in fields


def test_and_inside_subject_not_cut() -> None:
    text = "errD and errG both stay at 0.69"

    fields = parse_free_text(text, "chat")

    assert fields["d_loss_trend"] == text
    assert fields["g_loss_trend"] == text


def test_other_person_run_loses() -> None:
    text = "my G loss is 23.1, while the author's G loss drops to about 0.5"

    assert parse_free_text(text, "chat")["g_loss_trend"] == "my G loss is 23.1"


def test_report_from_message() -> None:
    report = report_from_text(message("24"), "report-24", prose=True)

    assert report.d.values == [
        -10472.333,
        -10244.234,
        -354.68842,
        116.12535,
        -10456.913,
    ]
    assert report.g.values == [4983.048, 5052.324, -4623.4795, 4025.599, 4746.973]
    assert report.d.direction == "oscillating"
    assert report.loss_type == "wgan-gp"


def test_both_losses_opening_shared() -> None:
    text = "Both losses oscillate wildly: D between 0.1 and 2, G between 1 and 8"

    fields = parse_free_text(text, "chat")
    g_trend = parse_trend(fields["g_loss_trend"], side="g")

    assert fields["d_loss_trend"] == "Both losses oscillate wildly: D between 0.1 and 2"
    assert fields["g_loss_trend"] == text
    assert g_trend.values == [1.0, 8.0]
    assert g_trend.direction == "oscillating"


def test_generator_output_is_samples() -> None:
    text = "The generator produces the same face for every z. D loss ~0.7, G loss ~1.2"

    fields = parse_free_text(text, "chat")

    assert fields["sample_notes"] == "The generator produces the same face for every z"
    assert fields["d_loss_trend"] == "D loss ~0.7"
    assert fields["g_loss_trend"] == "G loss ~1.2"


def test_pasted_log_lines() -> None:
    text = "d_loss 0.5 g_loss 0.8\nd_loss 0.45 g_loss 0.9\nd_loss 0.4 g_loss 1.0"

    fields = parse_free_text(text, "chat")

    assert fields["d_loss_trend"] == text
    assert parse_trend(text, side="d").values == [0.5, 0.45, 0.4]
    assert parse_trend(text, side="g").values == [0.8, 0.9, 1.0]


@pytest.mark.parametrize(
    ("text", "epochs"),
    [
        ("for 25 epochs, D loss 0.1", 25),
        ("D loss goes to 0 within 2 epochs", None),
        ("fine for 5-8 epochs, then D loss 3", None),
    ],
)
def test_epochs_only_run_length(text: str, epochs: int | None) -> None:
    assert parse_free_text(text, "chat").get("epochs") == epochs


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        (
            "D_loss: 0.35, G_loss: 3.9. Reconstructions look blurry.",
            "Reconstructions look blurry",
        ),
        (
            "the generator only makes 3 kinds of digits, D loss 0.7",
            "the generator only makes 3 kinds of digits",
        ),
        ("G generates garbage and D loss is 0.01", "G generates garbage"),
        ("D loss 0.7; rec: 0.151 and dropping", NONE),
    ],
)
def test_sample_clause_found(text: str, notes: str) -> None:
    assert parse_free_text(text, "chat")["sample_notes"] == notes


@pytest.mark.parametrize(
    ("text", "real", "fake"),
    [
        (
            "D loss 0.01; discriminator accuracy is 100% on both real and fake",
            "100%",
            "100%",
        ),
        ("D loss 0.01, accuracy on real 0.99 and on fake 0.97", "0.99", "0.97"),
        ("D loss 0.01, D accuracy 97% on fake images", None, "97%"),
        ("D loss 0.01, accuracy on real 250", None, None),
    ],
)
def test_accuracies_read(text: str, real: str | None, fake: str | None) -> None:
    fields = parse_free_text(text, "chat")

    assert fields.get("d_accuracy_on_real") == real
    assert fields.get("d_accuracy_on_fake") == fake


def test_both_losses_closing_shared() -> None:
    text = "D 1.386, G 0.693, both static for 50 epochs"

    fields = parse_free_text(text, "chat")
    d_trend = parse_trend(fields["d_loss_trend"], side="d")

    assert fields["d_loss_trend"] == text
    assert fields["g_loss_trend"] == "G 0.693, both static for 50 epochs"
    assert d_trend.values == [1.386]
    assert d_trend.direction == "flat"


def test_trailing_no_change_kept() -> None:
    text = "d_loss is stuck at 0.693 and g_loss at 0.693 too, no change for 100 epochs"

    fields = parse_free_text(text, "chat")

    assert fields["g_loss_trend"] == "g_loss at 0.693 too, no change for 100 epochs"
    assert parse_trend(fields["g_loss_trend"], side="g").exact_constant


def test_d_output_score_ignored() -> None:
    fields = parse_free_text("D loss 0.3, D(x) 5.5, D(G(z)) 0.02", "chat")

    assert "d_x" not in fields
    assert fields["d_g_z"] == "0.02"


def test_question_line_keeps_samples() -> None:
    text = "D loss 0.01, G loss 12\nsamples look like noise\nis this normal?"

    assert parse_free_text(text, "chat")["sample_notes"] == "samples look like noise"


def test_epoch_log_joins_lines() -> None:
    # Each line is "epoch N: d_loss D g_loss G" with D = 0.5 + 0.001 N and
    # G = 1.0 + 0.002 N, so D's values are 0.500, 0.501, ... 0.799.
    text = "\n".join(
        f"epoch {n}: d_loss {0.5 + 0.001 * n:.3f} g_loss {1.0 + 0.002 * n:.3f}"
        for n in range(300)
    )

    fields = parse_free_text(text, "chat")
    d_trend = parse_trend(fields["d_loss_trend"], side="d")
    g_trend = parse_trend(fields["g_loss_trend"], side="g")

    assert len(d_trend.values) == 300
    assert d_trend.values[0] == 0.5
    assert d_trend.values[-1] == 0.799
    assert d_trend.direction == "increasing"
    assert len(g_trend.values) == 300
    assert g_trend.values[-1] == 1.598


def test_fix_stated_as_tried_is_kept() -> None:
    fields = parse_free_text(
        "I tried spectral norm already. D loss 0.5, 0.1, 0.01, G loss 2, 5, 9, "
        "samples noise",
        "msg",
    )
    plain = parse_free_text("D loss 0.3, G loss 1.2, batch size 64, using amp", "msg")
    question = parse_free_text(
        "Should I add spectral norm? D loss 0.01, G loss 7", "msg"
    )

    assert fields["fixes_already_tried"] == ["spectral_norm"]
    assert "fixes_already_tried" not in plain
    assert "fixes_already_tried" not in question


@pytest.mark.parametrize(
    "text",
    [
        "D loss 0.4, G loss 3. D accuracy 98% on real and 97% on fake",
        "D loss 0.4, G loss 3, d_accuracy_on_real 0.98, d_accuracy_on_fake 0.97",
    ],
)
def test_both_accuracies_read(text: str) -> None:
    fields = parse_free_text(text, "msg")

    assert fields["d_accuracy_on_real"] in ("98%", "0.98")
    assert fields["d_accuracy_on_fake"] in ("97%", "0.97")
