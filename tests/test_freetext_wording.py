"""Chat wordings a new user tried: decimal commas, other languages, typos.

Each expected value was read off the message by hand. Verdicts follow from
the catalog's bands: D below 0.05 with G above 10 is a vanishing generator
gradient, D falling towards 0 while G climbs is D winning, both losses
swinging is oscillation, and D near 2 ln 2 = 1.386 with G near ln 2 = 0.693
is the equilibrium.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gan_triage.cli import main
from gan_triage.errors import InputError
from gan_triage.evidence_numbers import number_tokens
from gan_triage.freetext import parse_free_text
from gan_triage.loss_names import sides_named
from gan_triage.number_text import find_numbers, parse_number
from gan_triage.report import Report, report_from_text
from gan_triage.rules import diagnose
from gan_triage.validate import validate_reply

GERMAN = "Verlust D: 0,9 -> 0,02; Verlust G: 1,5 -> 9,8"
FRENCH = (
    "La perte du discriminateur descend de 0,9 à 0,02 et celle du générateur "
    "monte de 1,5 à 9,8"
)
SPANISH = (
    "la pérdida del discriminador baja de 0,9 a 0,02 y la pérdida del generador "
    "sube de 1,5 a 9,8"
)
TYPO = (
    "the dicriminator loss is decreasing 0.5, 0.2, 0.08, 0.03 and generator "
    "loss rising 3, 6, 9, 12, samples are noise"
)


def read(text: str) -> Report:
    return report_from_text(text, "chat", prose=True)


def verdict(text: str) -> str:
    return diagnose(read(text), strict=True).failure


def test_decimal_comma_values() -> None:
    numbers = find_numbers("0,9 -> 0,02")

    assert [n.text for n in numbers] == ["0,9", "0,02"]
    assert [n.value for n in numbers] == [0.9, 0.02]


def test_point_list_stays_list() -> None:
    numbers = find_numbers("0.9, 0.4, 0.1")

    assert [n.value for n in numbers] == [0.9, 0.4, 0.1]


def test_comma_list_stays_list() -> None:
    numbers = find_numbers("G 3,6,9,12")

    assert [n.value for n in numbers] == [3.0, 6.0, 9.0, 12.0]


def test_thousands_separator_kept() -> None:
    numbers = find_numbers("after 1,000 iterations")

    assert numbers[0].value == 1000.0
    assert numbers[0].is_count


def test_three_decimals_follow_message() -> None:
    # "1,386" alone is one thousand three hundred eighty-six. Next to "0,9"
    # the message writes decimals with a comma, so it is 1.386.
    alone = find_numbers("D 1,386")
    beside = find_numbers("D 0,9 -> 1,386")

    assert alone[0].value == 1386.0
    assert beside[1].value == 1.386


def test_parse_number_comma() -> None:
    assert parse_number("1,5") == 1.5
    assert parse_number("0,020") == 0.02
    assert parse_number("12,500") == 12500.0


def test_evidence_tokens_keep_comma() -> None:
    assert number_tokens('d_loss "Verlust D: 0,9 -> 0,02"') == ["0,9", "0,02"]


def test_german_trends() -> None:
    report = read(GERMAN)

    assert report.d.values == [0.9, 0.02]
    assert report.d.direction == "decreasing"
    assert report.g.values == [1.5, 9.8]
    assert report.g.direction == "increasing"


@pytest.mark.parametrize("text", [GERMAN, FRENCH, SPANISH], ids=["de", "fr", "es"])
def test_other_languages_d_wins(text: str) -> None:
    report = read(text)

    assert diagnose(report, strict=True).failure == "d_wins"
    assert validate_reply(diagnose(report).block, report) == []


def test_rewritten_comma_named() -> None:
    report = read(GERMAN)
    block = diagnose(report).block.replace("0,9 ->", "0.9 ->")

    findings = [f for f in validate_reply(block, report) if f.text == "0,9"]

    assert len(findings) == 1
    assert findings[0].rule == "verbatim_numbers"
    assert "It writes 0.9 instead." in findings[0].message


def test_french_fields_split() -> None:
    fields = parse_free_text(FRENCH, "chat")

    assert fields["d_loss_trend"] == "La perte du discriminateur descend de 0,9 à 0,02"
    assert fields["g_loss_trend"] == "celle du générateur monte de 1,5 à 9,8"


def test_french_elision_not_d() -> None:
    assert sides_named("la perte d'entraînement") == []
    assert sides_named("D's loss") == [(0, "d")]


def test_accented_word_is_one_name() -> None:
    assert sides_named("générateur") == [(0, "g")]
    assert sides_named("défaut") == []


def test_jumps_between_shares_verb() -> None:
    report = read(
        "D loss jumps between 0.2 and 1.8 every epoch and G loss between 0.5 and 6"
    )

    assert report.d.values == [0.2, 1.8]
    assert report.d.direction == "oscillating"
    assert report.g.values == [0.5, 6.0]
    assert report.g.direction == "oscillating"
    assert diagnose(report, strict=True).failure == "oscillation"


def test_oscillates_between_shares_verb() -> None:
    report = read("D oscillates between 0.1 and 2 and G between 1 and 8")

    assert report.g.values == [1.0, 8.0]
    assert report.g.is_range
    assert report.g.direction == "oscillating"
    assert validate_reply(diagnose(report).block, report) == []


def test_comma_range_shares_verb() -> None:
    report = read("D loss swings between 0.2 and 1.8, G loss between 0.5 and 6")

    assert report.g.values == [0.5, 6.0]
    assert report.g.direction == "oscillating"


def test_comma_value_keeps_own() -> None:
    # After a comma a single value is a separate statement, not a gapped verb.
    report = read("D loss falling to 0.1, G loss 5")

    assert report.g.values == [5.0]
    assert report.g.direction == "unknown"


def test_own_numbers_beat_shared_verb() -> None:
    # G's own two values rise, so "falls" written for D does not carry over.
    report = read("D loss falls from 0.9 to 0.1 and G loss from 1 to 6")

    assert report.g.direction == "increasing"


def test_own_verb_not_replaced() -> None:
    report = read("D loss rises from 0.1 to 0.5 and G loss is 3")

    assert report.g.values == [3.0]
    assert report.g.direction == "unknown"


def test_misspelled_names() -> None:
    report = read(TYPO)

    assert report.d.values == [0.5, 0.2, 0.08, 0.03]
    assert report.d.direction == "decreasing"
    assert report.g.values == [3.0, 6.0, 9.0, 12.0]
    assert report.g.direction == "increasing"
    assert report.sample_notes == "samples are noise"


@pytest.mark.parametrize(
    "text",
    [
        "Loss_D 0.02 Loss_G 14 samples noise",
        "D: 0.004  G: 11.7  samples: noise",
        "errD/errG: 0.01/14.2",
        "D and G losses are 0.02 and 14 respectively",
        TYPO,
    ],
    ids=["loss-underscore", "colons", "slash-pair", "respectively", "typo"],
)
def test_vanishing_wordings(text: str) -> None:
    report = read(text)

    assert diagnose(report, strict=True).failure == "vanishing_gradient"
    assert validate_reply(diagnose(report).block, report) == []


def test_number_before_samples_is_loss() -> None:
    report = read("Loss_D 0.02 Loss_G 14 samples noise")

    assert report.d.values == [0.02]
    assert report.g.values == [14.0]
    assert report.sample_notes == "samples noise"


def test_slash_pair_values() -> None:
    report = read("errD/errG: 0.01/14.2")

    assert report.d.values == [0.01]
    assert report.g.values == [14.2]


def test_respectively_pairs_values() -> None:
    report = read("D and G losses are 0.02 and 14 respectively")

    assert report.d.values == [0.02]
    assert report.g.values == [14.0]


def test_equilibrium_exact_values() -> None:
    text = "D loss 1.386 and G loss 0.693, flat for 20 epochs, samples look good"

    report = read(text)

    assert report.d.values == [1.386]
    assert report.d.direction == "flat"
    assert report.g.values == [0.693]
    assert report.g.direction == "flat"
    assert verdict(text) == "equilibrium"
    assert validate_reply(diagnose(report).block, report) == []


def test_closing_rise_stays_with_g() -> None:
    # A closing "rising" is read as about the nearer loss, G, alone.
    report = read("D loss 0.3 and G loss 5, rising")

    assert report.d.direction == "unknown"
    assert report.g.direction == "increasing"


def test_equilibrium_stuck_around() -> None:
    text = (
        "my discriminator loss is stuck around 1.38 and generator loss around "
        "0.69 for the last 20 epochs, samples look pretty good actually"
    )

    report = read(text)

    assert report.d.values == [1.38]
    assert report.d.direction == "flat"
    assert report.g.values == [0.69]
    assert report.g.direction == "flat"
    assert verdict(text) == "equilibrium"


def test_log_line_value_before_epoch() -> None:
    # "epoch 2" on the next line counts epochs, and 1.002 is G's loss.
    numbers = find_numbers("g_loss 1.002\nepoch 2: g_loss 1.004")

    assert [n.is_count for n in numbers] == [False, True, False]


def test_unnamed_numbers_rejected() -> None:
    with pytest.raises(InputError, match="gives numbers but names no D or G loss"):
        parse_free_text("判别器损失从0.9降到0.02，生成器损失从1.5升到9.8", "--text")


def test_unnamed_numbers_with_samples_rejected() -> None:
    with pytest.raises(InputError, match="gives numbers but names no D or G loss"):
        parse_free_text("损失从0.9降到0.02, samples are blurry", "--text")


def test_samples_only_still_answered() -> None:
    fields = parse_free_text("the images are blurry", "--text")

    assert fields["sample_notes"] == "the images are blurry"
    assert fields["d_loss_trend"] == "not reported"


def test_digit_in_samples_answered() -> None:
    fields = parse_free_text("it always produces the same digit, a 1 or a 7", "chat")

    assert fields["d_loss_trend"] == "not reported"


def test_escape_in_message_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["triage", "--backend", "rules", "--text", "D loss 0.02 \x1b[2J G loss 14"]
    )
    captured = capsys.readouterr()

    assert code == 2
    assert "--text: the message contains the control character U+001B" in (captured.err)
    assert "\x1b" not in captured.err
    assert "\x1b" not in captured.out


def test_bell_in_report_field_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    fields = {"d_loss_trend": "0.9, 0.1", "g_loss_trend": "1, 6", "sample_notes": "a\a"}
    path.write_text(json.dumps(fields), encoding="utf-8")

    code = main(["triage", "--backend", "rules", str(path)])
    captured = capsys.readouterr()

    assert code == 2
    assert "sample_notes contains the control character U+0007" in captured.err


def test_tab_and_newline_allowed() -> None:
    report = read("D loss\t0.02\nG loss 14")

    assert report.d.values == [0.02]
    assert report.g.values == [14.0]
