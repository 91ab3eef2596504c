"""Trend parsing on real reports' wording and on each phrasing it must read.

Every expected value below was worked out by reading the string by hand: which
numbers are loss values, which count epochs, and what the words state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from gan_triage.trend import parse_trend

CASES = Path(__file__).parent / "data" / "cases"
NAN = float("nan")


def case_text(case: str, side: str) -> str:
    data = yaml.safe_load((CASES / f"report-{case}.yaml").read_text(encoding="utf-8"))
    return str(data[f"{side}_loss_trend"])


def same_values(got: list[float], expected: list[float]) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=True):
        if math.isnan(b):
            if not math.isnan(a):
                return False
        elif a != pytest.approx(b, rel=1e-12, abs=0):
            return False
    return True


@dataclass
class Expected:
    values: list[float]
    direction: str
    is_range: bool = False
    exact: bool = False
    parts: dict[str, list[float]] = field(default_factory=dict)
    # None means the level is not asserted for that case.
    level: float | None = None


EXPECTED: dict[tuple[str, str], Expected] = {
    # "DA = 0.007" sits in a parenthetical remark, after a value outside it.
    ("01", "d"): Expected([3.28e-05], "unknown", level=3.28e-05),
    # Three differently named losses side by side: no time order to read.
    ("01", "g"): Expected([0.204, 0.201, 0.8102], "unknown"),
    # kimg counts and the real/fake critic scores are not D loss values. The
    # three values span 0.0080, 2.6% of 0.305, so the loss is flat. The level
    # is the median of the later two, (0.30474 + 0.29676) / 2.
    ("02", "d"): Expected(
        [0.2982898719501663, 0.3047439832608125, 0.29675778870257274],
        "flat",
        parts={"score_real": [5.5132986349478], "score_fake": [-4.513453964884688]},
        level=(0.3047439832608125 + 0.29675778870257274) / 2,
    ),
    # Span 0.234 is 1.3% of 17.92: flat.
    ("02", "g"): Expected(
        [17.685931020736696, 17.919744742631913, 17.732324146270752],
        "flat",
        level=(17.919744742631913 + 17.732324146270752) / 2,
    ),
    ("03", "d"): Expected([0.0], "decreasing", level=0.0),
    ("03", "g"): Expected([1.0], "flat", level=1.0),
    ("04", "d"): Expected(
        [0.25], "flat", exact=True, parts={"real": [0.25], "fake": [0.25]}, level=0.25
    ),
    # "stuck near" is approximate. L1 is a reconstruction term, so its
    # "keeps falling" is no cue for the adversarial loss.
    ("04", "g"): Expected([0.25], "flat", parts={"l1": [1.6, 1.27]}, level=0.25),
    # "epochs 2-5" counts epochs; the "e.g." remark is secondary.
    ("05", "d"): Expected(
        [61.84632874, 92.15061951],
        "unknown",
        is_range=True,
        level=(61.84632874 + 92.15061951) / 2,
    ),
    ("05", "g"): Expected([0.0], "flat", exact=True, level=0.0),
    ("07", "d"): Expected([0.001], "decreasing", level=0.001),
    ("07", "g"): Expected([5.0, 11.0], "flat", is_range=True, level=8.0),
    ("08", "d"): Expected([0.410], "unknown", level=0.410),
    # "goes to about 0.5" is the author's curve, in a remark.
    ("08", "g"): Expected([23.163], "unknown", level=23.163),
    ("09", "d"): Expected([0.0], "decreasing", level=0.0),
    ("09", "g"): Expected([], "oscillating"),
    ("10", "d"): Expected(
        [0.69], "flat", parts={"real": [0.69], "fake": [0.69]}, level=0.69
    ),
    ("10", "g"): Expected([0.69], "flat", level=0.69),
    # 1.386 is another user's number, in a remark.
    ("11", "d"): Expected([1.398], "flat", exact=True, level=1.398),
    ("11", "g"): Expected([0.693], "flat", exact=True, level=0.693),
    # "every iteration" here describes jumps, not a constant; 64 is a batch.
    ("12", "d"): Expected(
        [0.01, 0.25], "oscillating", is_range=True, level=(0.01 + 0.25) / 2
    ),
    ("12", "g"): Expected([], "decreasing"),
    # A steady fall: the level is the last value.
    ("13", "d"): Expected(
        [
            0.59769108891487,
            0.35363309383392,
            0.2000379934907,
            0.046023709699512,
            0.0098107368685305,
            0.0066521260887384,
        ],
        "decreasing",
        level=0.0066521260887384,
    ),
    ("13", "g"): Expected(
        [
            0.75959807634354,
            1.3820139408112,
            2.5574874728918,
            3.630749514699,
            4.6057481756434,
            4.9743659980595,
        ],
        "increasing",
        level=4.9743659980595,
    ),
    # "(epoch 1)" and "(epoch 10)" are counts; "..." is no number.
    ("14", "d"): Expected(
        [
            0.0001245313760591671,
            5.946611054241657e-05,
            3.706279312609695e-05,
            6.7484065766620915e-06,
        ],
        "decreasing",
        level=6.7484065766620915e-06,
    ),
    ("14", "g"): Expected(
        [16.11809539794922], "flat", exact=True, level=16.11809539794922
    ),
    # Two snapshots and no direction word: the numbers fall.
    ("15", "d"): Expected([514810.0, 76364.0625], "decreasing", level=76364.0625),
    ("15", "g"): Expected(
        [-49040.92578125, -404828.46875], "decreasing", level=-404828.46875
    ),
    # Three halves of D's loss side by side: no time order, so no direction;
    # the "slowly 0.023 -> 0.022" remark is secondary.
    ("16", "d"): Expected(
        [0.428, 0.016, 0.023],
        "unknown",
        parts={"real": [0.428], "fake": [0.016, 0.023]},
    ),
    # Two terms of two values each, and the words read "creeping up".
    ("16", "g"): Expected(
        [6.830, 6.840, 6.101, 6.116],
        "increasing",
        parts={"rec": [0.151]},
        level=(6.101 + 6.116) / 2,
    ),
    ("18", "g"): Expected([], "oscillating"),
    # One big reversal (down 0.21, up 0.12) ending 0.09 below the start, 43%
    # of the span: not back where it began, so a fall. Level: median of the
    # later half, (0.00 + 0.12) / 2.
    ("19", "d"): Expected(
        [0.21, 0.05, 0.00, 0.12], "decreasing", level=(0.00 + 0.12) / 2
    ),
    ("19", "g"): Expected(
        [1.51, 2.06, 1.63, 1.04], "decreasing", level=(1.63 + 1.04) / 2
    ),
    ("20", "d"): Expected([NAN], "unknown", parts={"reg": [0.002352]}),
    ("20", "g"): Expected([NAN], "unknown", parts={"reg": [NAN], "pl_avg": [NAN]}),
    ("21", "d"): Expected([0.0], "flat", exact=True, level=0.0),
    ("21", "g"): Expected([16.0], "flat", exact=True, level=16.0),
    # Four terms per step. The fourth runs 621261.6 -> 163704.14 -> 542559.06,
    # ending 17% of its span from its start: a swing.
    ("22", "d"): Expected(
        [
            -923.39386,
            -1826.8832,
            28.22277,
            621261.6,
            -808.98425,
            -1293.4147,
            32.072624,
            163704.14,
            -1013.25415,
            -1862.898,
            30.708475,
            542559.06,
        ],
        "oscillating",
    ),
    ("22", "g"): Expected(
        [1557.2732, 2303.7917, 2311.691], "increasing", level=2311.691
    ),
    ("23", "d"): Expected([0.9368, 0.8507, 0.8301], "decreasing", level=0.8301),
    ("23", "g"): Expected(
        [1.2429, 1.4514, 1.5216],
        "increasing",
        parts={"content": [0.0021, 0.0022, 0.0022]},
        level=1.5216,
    ),
    # Up by ~9900 then down by ~10600, ending 15 from the start: a swing.
    # Level: median of the last three values.
    ("24", "d"): Expected(
        [-10472.333, -10244.234, -354.68842, 116.12535, -10456.913],
        "oscillating",
        level=-354.68842,
    ),
    ("24", "g"): Expected(
        [4983.048, 5052.324, -4623.4795, 4025.599, 4746.973],
        "oscillating",
        level=4025.599,
    ),
    # "does not decrease" denies the fall; 20000 counts iterations.
    ("25", "d"): Expected([], "flat"),
    ("25", "g"): Expected([1e-05], "decreasing", level=1e-05),
}


@pytest.mark.parametrize(("case", "side"), sorted(EXPECTED))
def test_case_trend(case: str, side: str) -> None:
    expected = EXPECTED[(case, side)]

    trend = parse_trend(case_text(case, side))

    assert trend.reported
    assert same_values(trend.values, expected.values), trend.values
    assert trend.direction == expected.direction
    assert trend.is_range == expected.is_range
    assert trend.exact_constant == expected.exact
    assert set(trend.parts) == set(expected.parts)
    for key, part in expected.parts.items():
        assert same_values(trend.parts[key], part), (key, trend.parts[key])
    if expected.level is not None:
        assert trend.level == pytest.approx(expected.level, rel=1e-12)


@pytest.mark.parametrize(("case", "side"), sorted(EXPECTED))
def test_case_side_changes_nothing(case: str, side: str) -> None:
    # Each case field is about one loss, so naming that loss keeps everything.
    text = case_text(case, side)

    plain = parse_trend(text)
    sided = parse_trend(text, side="d" if side == "d" else "g")

    assert same_values(sided.values, plain.values)
    assert sided.direction == plain.direction
    assert sided.exact_constant == plain.exact_constant
    assert set(sided.parts) == set(plain.parts)


@pytest.mark.parametrize(
    ("case", "side"), [("06", "d"), ("06", "g"), ("17", "d"), ("17", "g"), ("18", "d")]
)
def test_case_not_reported(case: str, side: str) -> None:
    trend = parse_trend(case_text(case, side))

    assert not trend.reported
    assert trend.values == []


def test_every_case_string_covered() -> None:
    reported = {("06", "d"), ("06", "g"), ("17", "d"), ("17", "g"), ("18", "d")}
    every = {(f"{n:02d}", side) for n in range(1, 26) for side in ("d", "g")}

    assert every == set(EXPECTED) | reported


@pytest.mark.parametrize(
    ("case", "side", "tokens"),
    [
        ("01", "d", ["3.28e-05", "0.007"]),
        (
            "02",
            "d",
            [
                "0.2982898719501663",
                "200",
                "0.3047439832608125",
                "224",
                "0.29675778870257274",
                "236",
                "224",
                "5.5132986349478",
                "-4.513453964884688",
            ],
        ),
        ("05", "g", ["0.00000000"]),
        ("08", "d", ["59", "0.410"]),
        ("12", "d", [".01", ".25", "64"]),
        ("16", "d", ["11", "0.428", "0.016", "0.023", "0.023", "0.022"]),
        ("21", "d", ["0", "5000", "6000"]),
        ("22", "d", ["343747", "343749", "-923.39386", "-1826.8832", "28.22277"]),
        ("25", "d", ["20000"]),
    ],
)
def test_case_tokens(case: str, side: str, tokens: list[str]) -> None:
    trend = parse_trend(case_text(case, side))

    assert trend.tokens[: len(tokens)] == tokens


def test_case_nonfinite() -> None:
    assert parse_trend(case_text("20", "d")).nonfinite
    assert parse_trend(case_text("20", "g")).nonfinite
    assert not parse_trend(case_text("13", "d")).nonfinite


# Synthetic phrasings, one per form the parser must read.


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("0.9, 0.4, 0.1", [0.9, 0.4, 0.1]),
        ("0.9 -> 0.4 → 0.2 => 0.1", [0.9, 0.4, 0.2, 0.1]),
        ("fell from 0.69 to 0.0003", [0.69, 0.0003]),
        ("about 0.7", [0.7]),
        ("≈ 0.69 and flat", [0.69]),
        ("~1.2", [1.2]),
        ("3.28e-05 then 1e-05", [3.28e-05, 1e-05]),
        ("1E-4", [1e-4]),
        (".01, .02", [0.01, 0.02]),
        ("< .01", [0.01]),
        ("−0.5, −1.5, −2.5", [-0.5, -1.5, -2.5]),
        ("-3.0 -> -4.5", [-3.0, -4.5]),
        ("goes to zero", [0.0]),
        ("zero variance at 0.25", [0.25]),
        ("0.5 (epoch 1), 0.3 (epoch 2)", [0.5, 0.3]),
        ("0.7 after 20000 iterations", [0.7]),
        ("around epoch ~5000 of 6000: 0.1", [0.1]),
        ("epochs 2-5: 0.4, 0.3", [0.4, 0.3]),
        ("0.31 with batch 64", [0.31]),
        ("0.2 over the first ~150 iterations", [0.2]),
        ("0.30 (kimg 200), 0.29 (kimg 224)", [0.30, 0.29]),
        ("1.4 for 25 epochs", [1.4]),
        ("0.8 at 70k iterations", [0.8]),
        ("0.6 on 128x128 images", [0.6]),
        ("(a later commenter: DA = 0.007)", [0.007]),
        ("no clear value (last logged 0.41)", [0.41]),
        ("lr 2e-4, loss 0.9 -> 0.5", [0.9, 0.5]),
        ("0.25±0.01", [0.25]),
        ("after 10,000 iterations: 0.01", [0.01]),
        ("1,234.5 then 2,345.5", [1234.5, 2345.5]),
        ("0.9,0.4,0.1", [0.9, 0.4, 0.1]),
        ("Epoch [5/100], Step [200/600], d_loss: 0.0123", [0.0123]),
        ("[1200/5000] 0.3", [0.3]),
        ("50/50 [00:10<00:00, 4.9it/s, d_loss=0.3]", [0.3]),
        ("ln(2) = 0.693", [0.693]),
        ("shrinks every epoch (0.5 down to 0.1)", [0.5, 0.1]),
        ("large, ~10^4", [1e4]),
        ("2 x 10^-3 then 1.5×10^-4", [2e-3, 1.5e-4]),
        ("3*10**5", [3e5]),
        ("0.25 +/- 0.01", [0.25]),
        ("L1 0.3 and D loss 0.7", [0.7]),
    ],
)
def test_values_read(text: str, values: list[float]) -> None:
    assert same_values(parse_trend(text).values, values), parse_trend(text).values


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("0.50 then 1e-4", ["0.50", "1e-4"]),
        (".25 and 0.250", [".25", "0.250"]),
        ("−0.5", ["−0.5"]),
        ("epoch 3: NaN", ["3", "NaN"]),
        ("fake1: 0.016 and L1 2.5", ["0.016", "2.5"]),
        ("stops at 10.", ["10"]),
        ("after 10,000 iterations", ["10,000"]),
    ],
)
def test_tokens_as_written(text: str, tokens: list[str]) -> None:
    assert parse_trend(text).tokens == tokens


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("between 0.5 and 1.0", 0.5, 1.0),
        ("hovers around 5-11", 5.0, 11.0),
        ("~17.7-17.9", 17.7, 17.9),
        ("jumps between < .01 and .25", 0.01, 0.25),
        ("anywhere from under .01 to .25", 0.01, 0.25),
        ("5 – 11", 5.0, 11.0),
        ("0.5~1.0", 0.5, 1.0),
        ("D loss in [0.3, 0.9]", 0.3, 0.9),
    ],
)
def test_range_read(text: str, low: float, high: float) -> None:
    trend = parse_trend(text)

    assert trend.is_range
    assert trend.values == [low, high]
    assert trend.level == pytest.approx((low + high) / 2)


def test_from_to_is_sequence() -> None:
    assert not parse_trend("fell from 0.69 to 0.0003").is_range


def test_tilde_estimate_not_range() -> None:
    assert not parse_trend("0.3 ~0.5").is_range


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("keeps increasing", "increasing"),
        ("climbs to 14", "increasing"),
        ("creeping up", "increasing"),
        ("falls to 0.1", "decreasing"),
        ("slides down", "decreasing"),
        ("goes to 0", "decreasing"),
        ("stays at 1.386", "flat"),
        ("stuck at 0.693", "flat"),
        ("settle at about 1", "flat"),
        ("hovers around 0.7", "flat"),
        ("fluctuates", "oscillating"),
        ("oscillates around 2", "oscillating"),
        ("jumps around", "oscillating"),
        ("swings between 0.1 and 3", "oscillating"),
        ("does not decrease", "flat"),
        ("hasn't increased in days", "flat"),
        ("climbs gradually (no spikes)", "increasing"),
        ("fell at first, then climbed back", "increasing"),
        ("whatever", "unknown"),
        ("0.7", "unknown"),
        ("0.5, 0.9", "increasing"),
        ("1.0, 1.01", "flat"),
    ],
)
def test_direction_from_words(text: str, direction: str) -> None:
    assert parse_trend(text).direction == direction


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        # Two big reversals.
        ("1, 5, 1, 5, 1", "oscillating"),
        # Up and back to the start.
        ("1, 5, 1", "oscillating"),
        # A small wobble on a steady rise: 3 -> 2.9 is 3% of the span.
        ("1, 2, 3, 2.9, 4", "increasing"),
        # Span 0.02 is 2% of 1.02.
        ("1, 1.02, 1.01", "flat"),
        # Three or more numbers outweigh the words.
        ("fluctuates: 0.5, 0.6, 0.7", "increasing"),
        ("keeps rising: 0.9, 0.5, 0.2", "decreasing"),
    ],
)
def test_direction_from_numbers(text: str, direction: str) -> None:
    assert parse_trend(text).direction == direction


@pytest.mark.parametrize(
    "text",
    [
        "stuck at 0.693",
        "no variance at all, 0.25",
        "0.7 and it never moves",
        "not moving at all: 16.1",
        "0.00000000 at every step",
        "1.386 to the last digit",
        "frozen at 0.69",
        "losses freeze at 1.398",
        "0.693, 0.693, 0.693",
        "constant 16.118095",
        "doesn't change, 0.693",
        "0.5, no change for 100 epochs",
    ],
)
def test_exact_constant(text: str) -> None:
    assert parse_trend(text).exact_constant


@pytest.mark.parametrize(
    "text",
    [
        "stays around 0.69 for a long time",
        "stuck near 0.25",
        "stuck at about 0.7",
        "jumps every iteration between .01 and .25",
        "dloss shrinks every epoch: 0.5, 0.3, 0.1",
        "0.693, 0.693, 0.7",
        "roughly constant around 0.7",
    ],
)
def test_not_exact_constant(text: str) -> None:
    assert not parse_trend(text).exact_constant


@pytest.mark.parametrize(
    ("text", "nonfinite"),
    [
        ("nan", True),
        ("NaN after 300 iterations", True),
        ("0.5 then inf", True),
        ("-inf", True),
        ("0.5, 0.4", False),
        ("0.5 (pl_avg: nan)", False),
    ],
)
def test_nonfinite(text: str, nonfinite: bool) -> None:
    assert parse_trend(text).nonfinite == nonfinite


@pytest.mark.parametrize(
    "text",
    [
        "not reported",
        "n/a",
        "unknown",
        "",
        "not given",
        "Not reported.",
        "unknown (not logged)",
        "not shown in the thread",
    ],
)
def test_not_reported(text: str) -> None:
    assert not parse_trend(text).reported


def test_unknown_with_numbers_reported() -> None:
    trend = parse_trend("unknown at first, then 0.5 -> 0.2")

    assert trend.reported
    assert trend.values == [0.5, 0.2]


@pytest.mark.parametrize(
    ("text", "parts", "values"),
    [
        (
            "D real: 0.428, fake1: 0.016, fake2: 0.023",
            {"real": [0.428], "fake": [0.016, 0.023]},
            [0.428, 0.016, 0.023],
        ),
        (
            "loss_D_fake and loss_D_real flat at about 0.25 each",
            {"real": [0.25], "fake": [0.25]},
            [0.25],
        ),
        (
            "D(x) 0.99 and D(G(z)) 0.01 / 0.02, Loss_D 0.05",
            {"d_x": [0.99], "d_g_z": [0.01, 0.02]},
            [0.05],
        ),
        (
            "Loss/scores/real mean 5.51 and Loss/scores/fake mean -4.51",
            {"score_real": [5.51], "score_fake": [-4.51]},
            [],
        ),
        (
            "total 0.9 (real 0.4, fake 0.5)",
            {"real": [0.4], "fake": [0.5]},
            [0.9],
        ),
    ],
)
def test_parts_read(
    text: str, parts: dict[str, list[float]], values: list[float]
) -> None:
    trend = parse_trend(text)

    assert trend.parts == parts
    assert trend.values == values


def test_side_keeps_own_pairs() -> None:
    text = "G: 1.51 | D: 0.21, then G: 1.63 | D: 0.00"

    assert parse_trend(text, side="d").values == [0.21, 0.00]
    assert parse_trend(text, side="g").values == [1.51, 1.63]


def test_side_reads_tuples() -> None:
    text = "the (D, G) pairs are (-10472.333, 4983.048), (-10244.234, 5052.324)"

    assert parse_trend(text, side="d").values == [-10472.333, -10244.234]
    assert parse_trend(text, side="g").values == [4983.048, 5052.324]


def test_side_ignores_d_outputs() -> None:
    text = "errD 0.3, 0.2 with D(G(z)) 0.1"

    trend = parse_trend(text, side="d")

    assert trend.values == [0.3, 0.2]
    assert trend.parts == {"d_g_z": [0.1]}


def test_side_drops_other_cues() -> None:
    trend = parse_trend("errD ≈ 0.0, errG ≈ 8.5 and rising", side="d")

    assert trend.values == [0.0]
    assert trend.direction == "unknown"


def test_side_keeps_shared_number() -> None:
    text = "the percep, Fake and Real losses all hover around 0.69 for ages"

    assert parse_trend(text, side="d").values == [0.69]
    assert parse_trend(text, side="g").values == [0.69]


def test_side_reads_tutorial_log() -> None:
    text = (
        "Epoch [5/100], Step [200/600], d_loss: 0.0123, g_loss: 7.12, "
        "D(x): 0.99, D(G(z)): 0.01"
    )

    d_trend = parse_trend(text, side="d")
    g_trend = parse_trend(text, side="g")

    assert d_trend.values == [0.0123]
    assert d_trend.parts == {"d_x": [0.99], "d_g_z": [0.01]}
    assert g_trend.values == [7.12]


def test_side_takes_last_subject() -> None:
    text = "Both D and G are stuck: D at 0.6931 and G at 0.6932 since epoch 3"

    assert parse_trend(text, side="d").values == [0.6931]
    assert parse_trend(text, side="g").values == [0.6932]


def test_side_subject_list_shares() -> None:
    text = "by iteration 14 both D_loss and G_loss are nan"

    assert parse_trend(text, side="d").nonfinite
    assert parse_trend(text, side="g").nonfinite


def test_side_drops_other_subject() -> None:
    text = "D hovering at 0.5 while G climbs"

    assert parse_trend(text, side="d").direction == "flat"
    assert parse_trend(text, side="g").direction == "increasing"
    assert parse_trend(text, side="g").values == []


def test_side_keeps_joint_subject() -> None:
    assert parse_trend("D and G losses swing wildly", side="d").direction == (
        "oscillating"
    )
