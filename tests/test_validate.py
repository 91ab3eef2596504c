"""The reply validator: each rule with a passing and a failing reply, by hand."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gan_triage.block import TriageBlock
from gan_triage.catalog import MODES
from gan_triage.evidence_numbers import reference_numbers
from gan_triage.report import Report, load_report
from gan_triage.rules import diagnose
from gan_triage.validate import Finding, retry_epochs_of, validate_reply

REPORTS = Path(__file__).parent / "data" / "reports"

D_WINS_EVIDENCE = (
    'd_loss "0.50, 0.08, 0.0003 (decreasing)"; g_loss "2.1, 6.5, 14 (increasing)"; '
    """samples 'the same "grey static" pattern in every cell'"""
)
SPECTRAL_NORM = (
    "Wrap every D layer in spectral normalization "
    "(torch.nn.utils.spectral_norm) and remove D's BatchNorm layers."
)


def report(name: str) -> Report:
    return load_report(REPORTS / f"{name}.yaml")


def reply(
    failure: str = "D wins completely",
    evidence: str = D_WINS_EVIDENCE,
    fix: str = SPECTRAL_NORM,
    retry: str = "5 epochs",
    before: str = "D has separated real from fake and G is no longer learning.",
    after: str = "",
) -> str:
    block = (
        "[triage]\n"
        f"  failure:  {failure}\n"
        f"  evidence: {evidence}\n"
        f"  fix:      {fix}\n"
        f"  retry:    {retry}\n"
    )
    return f"{before}\n\n{block}\n{after}".strip() + "\n"


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


def test_compliant_reply() -> None:
    assert validate_reply(reply(), report("d_wins")) == []


def test_finding_has_text_and_message() -> None:
    (finding,) = validate_reply(reply(retry="a few epochs"), report("d_wins"))

    assert finding.rule == "retry_epochs"
    assert finding.text == "a few epochs"
    assert "5 epochs" in finding.message


# one_block


def test_no_block() -> None:
    findings = validate_reply("D wins. Add spectral norm.", report("d_wins"))

    assert rules(findings) == ["one_block"]


def test_two_blocks() -> None:
    text = (
        reply() + "\n" + reply(fix="Halve D's learning rate and leave G's unchanged.")
    )

    findings = validate_reply(text, report("d_wins"))

    assert "one_block" in rules(findings)


# fields


def test_fields_missing() -> None:
    text = reply().replace("  retry:    5 epochs\n", "")

    findings = validate_reply(text, report("d_wins"))

    assert rules(findings) == ["fields"]
    assert "'retry:'" in findings[0].message


def test_fields_out_of_order() -> None:
    text = (
        "[triage]\n"
        f"  evidence: {D_WINS_EVIDENCE}\n"
        "  failure:  D wins completely\n"
        f"  fix:      {SPECTRAL_NORM}\n"
        "  retry:    5 epochs\n"
    )

    findings = validate_reply(text, report("d_wins"))

    assert rules(findings) == ["fields"]
    assert findings[0].text == "evidence, failure, fix, retry"


def test_fields_empty() -> None:
    text = reply().replace("5 epochs", "")

    findings = validate_reply(text, report("d_wins"))

    assert rules(findings) == ["fields"]
    assert findings[0].text == "retry"


def test_fields_extra_and_repeated() -> None:
    text = reply().replace(
        "  retry:", "  confidence: high\n  fix:      Double the batch size.\n  retry:"
    )

    findings = validate_reply(text, report("d_wins"))

    assert sorted(finding.text for finding in findings) == [
        "confidence: high",
        "fix",
    ]


# failure_name


@pytest.mark.parametrize(
    "failure",
    ["D wins completely", "d_wins", "**D wins completely**", "No match", "no_match"],
)
def test_failure_name_accepted(failure: str) -> None:
    findings = validate_reply(reply(failure=failure), report("d_wins"))

    assert "failure_name" not in rules(findings)


@pytest.mark.parametrize(
    "failure", ["D is winning", "Mode 1", "D wins completely, mostly", "'d_wins'."]
)
def test_failure_name_rejected(failure: str) -> None:
    findings = validate_reply(reply(failure=failure), report("d_wins"))

    assert rules(findings) == ["failure_name"]
    assert "Mode collapse" in findings[0].message


# verbatim_numbers


def test_trailing_zero_dropped() -> None:
    evidence = D_WINS_EVIDENCE.replace("0.50,", "0.5,")

    findings = validate_reply(reply(evidence=evidence), report("d_wins"))

    # 0.50 is missing and 0.5 is a catalog value, so only the omission counts.
    assert [finding.text for finding in findings] == ["0.50"]
    assert rules(findings) == ["verbatim_numbers"]
    assert "It writes 0.5 instead." in findings[0].message


def test_scientific_rewritten() -> None:
    evidence = 'd_loss not reported; g_loss "stuck at 0.0001"; samples not described'
    text = reply(evidence=evidence)

    findings = validate_reply(text, report("partial"))

    assert sorted(finding.text for finding in findings) == ["0.0001", "1e-4"]


def test_scientific_kept() -> None:
    evidence = 'd_loss not reported; g_loss "stuck at 1e-4"; samples not described'

    findings = validate_reply(reply(evidence=evidence), report("partial"))

    assert findings == []


def test_number_inside_longer_number() -> None:
    # The user wrote 0.50; 0.505 holds it as a prefix but is another number.
    evidence = D_WINS_EVIDENCE.replace("0.50,", "0.505,")

    findings = validate_reply(reply(evidence=evidence), report("d_wins"))

    assert sorted(finding.text for finding in findings) == ["0.50", "0.505"]


def test_unreported_number() -> None:
    evidence = D_WINS_EVIDENCE + "; D dropped by 0.12 per epoch"

    findings = validate_reply(reply(evidence=evidence), report("d_wins"))

    assert rules(findings) == ["verbatim_numbers"]
    assert findings[0].text == "0.12"


def test_catalog_numbers_allowed() -> None:
    evidence = D_WINS_EVIDENCE + "; D is below 0.1 and G above 5, far from 1.386"

    findings = validate_reply(reply(evidence=evidence), report("d_wins"))

    assert findings == []


def test_epoch_count_allowed() -> None:
    # The report says 40 epochs were trained; citing that is not invented.
    evidence = D_WINS_EVIDENCE + "; after 40 epochs"

    assert validate_reply(reply(evidence=evidence), report("d_wins")) == []


def test_reference_numbers_from_catalog() -> None:
    numbers = reference_numbers()

    # Summed-BCE chance levels, rounded as the catalog's symptoms print them.
    assert "1.386" in numbers
    assert "0.693" in numbers
    # The TTUR learning rates from the oscillation fix text.
    assert "4e-4" in numbers
    assert "1e-4" in numbers
    # The vanishing-gradient thresholds.
    assert "0.05" in numbers
    assert "10" in numbers
    # A number no catalog entry uses.
    assert "0.12" not in numbers


# samples_quoted


def test_samples_paraphrased() -> None:
    evidence = D_WINS_EVIDENCE.replace('"grey static"', "grey static")

    findings = validate_reply(reply(evidence=evidence), report("d_wins"))

    assert rules(findings) == ["samples_quoted"]
    assert findings[0].text == 'the same "grey static" pattern in every cell'


def test_samples_not_described() -> None:
    evidence = 'd_loss not reported; g_loss "stuck at 1e-4"; samples not described'

    findings = validate_reply(reply(evidence=evidence), report("partial"))

    assert "samples_quoted" not in rules(findings)


# one_fix


@pytest.mark.parametrize(
    "fix",
    [
        "Add spectral norm to D, or halve D's learning rate.",
        "Either add spectral norm or halve D's learning rate.",
        "Add spectral norm; alternatively halve D's learning rate.",
        "Add spectral norm. If that fails, halve D's learning rate.",
        "Add spectral norm to D (you could also halve its learning rate).",
        "1) add spectral norm 2) halve D's learning rate",
        "Add spectral norm to D, and also halve D's learning rate.",
        "Add spectral norm to D, then switch to WGAN-GP.",
        "Add spectral norm to D. Additionally, lower G's learning rate.",
        "Add spectral norm to D as well as halving its learning rate.",
        "Wrap every D layer in spectral normalization and halve D's learning rate.",
        "Halve D's learning rate and switch to WGAN-GP.",
    ],
)
def test_fix_with_alternative(fix: str) -> None:
    findings = validate_reply(reply(fix=fix), report("d_wins"))

    assert "one_fix" in rules(findings)


def test_fix_as_bullets() -> None:
    text = reply(fix="\n    - add spectral norm\n    - halve D's learning rate")

    findings = validate_reply(text, report("d_wins"))

    assert rules(findings) == ["one_fix"]


@pytest.mark.parametrize(
    "after",
    [
        "Alternatively you could switch to WGAN-GP.",
        "If that fails, try WGAN-GP.",
        "If this doesn't help after 5 epochs, halve D's learning rate.",
        "You might also lower D's learning rate.",
        "Another option is a gradient penalty.",
    ],
)
def test_second_fix_in_prose(after: str) -> None:
    findings = validate_reply(reply(after=after), report("d_wins"))

    assert rules(findings) == ["one_fix"]
    assert findings[0].text == after


def test_prose_remark_is_not_second_fix() -> None:
    after = "You can also see the collapse in the samples."

    assert validate_reply(reply(after=after), report("d_wins")) == []


def test_come_back_is_not_second_fix() -> None:
    after = "If that does not help after 5 epochs, come back with the new losses."

    assert validate_reply(reply(after=after), report("d_wins")) == []


@pytest.mark.parametrize(
    ("slug", "fix_text"),
    [
        pytest.param(slug, fix.text, id=f"{slug}-{fix.slug}")
        for slug, mode in MODES.items()
        for fix in mode.fixes
    ],
)
def test_catalog_fixes_pass(slug: str, fix_text: str) -> None:
    text = reply(failure=MODES[slug].name, fix=fix_text)  # type: ignore[index]

    findings = validate_reply(text, report("d_wins"))

    assert "one_fix" not in rules(findings)


# train_longer


@pytest.mark.parametrize(
    "after",
    [
        "Keep training and check again.",
        "Train for longer before changing anything.",
        "It may just need more epochs.",
        "Give it time.",
        "Let it run overnight.",
        "Continue training for now.",
        "Wait it out.",
        "Train it more.",
        "Let it run overnight and see.",
        "Run 15 more epochs before changing anything.",
    ],
)
def test_train_longer_flagged(after: str) -> None:
    findings = validate_reply(reply(after=after), report("d_wins"))

    assert rules(findings) == ["train_longer"]


def test_train_longer_in_fix() -> None:
    findings = validate_reply(reply(fix="Keep training as is."), report("d_wins"))

    assert rules(findings) == ["train_longer"]


@pytest.mark.parametrize(
    "after",
    [
        "Training longer will not fix this.",
        "Don't just keep training.",
        "Rather than training longer, change D.",
    ],
)
def test_train_longer_negated(after: str) -> None:
    assert validate_reply(reply(after=after), report("d_wins")) == []


def test_train_longer_at_equilibrium() -> None:
    evidence = (
        'd_loss "1.39, 1.38, 1.39 (flat)"; g_loss "0.70, 0.69, 0.70 (flat)"; '
        'samples "varied digits that look reasonable"'
    )
    text = reply(
        failure="Nash equilibrium / D uncertain (D outputs ~0.5)",
        evidence=evidence,
        fix="Change nothing: continue training and compute FID every few epochs.",
        retry="10 epochs",
        before="This is the equilibrium, not a failure.",
    )

    assert validate_reply(text, report("equilibrium")) == []


def test_retry_wait_is_not_train_longer() -> None:
    text = reply(retry="5 more epochs after the change")

    assert validate_reply(text, report("d_wins")) == []


def test_retry_wait_in_prose() -> None:
    after = "After the change, run 5 more epochs and then triage again."

    assert validate_reply(reply(after=after), report("d_wins")) == []


# retry_epochs


@pytest.mark.parametrize(
    ("retry", "epochs"),
    [
        ("5 epochs", 5),
        ("wait 12 more epochs, then triage again", 12),
        ("ten epochs", 10),
        ("1 epoch", 1),
        ("a few epochs", None),
        ("0 epochs", None),
        ("2.5 epochs", None),
        ("5-10 epochs", None),
        ("500 steps", None),
        ("5 epochs or 10 epochs", None),
    ],
)
def test_retry_epochs_of(retry: str, epochs: int | None) -> None:
    block = TriageBlock(failure="x", evidence="y", fix="z", retry=retry)

    assert retry_epochs_of(block) == epochs


@pytest.mark.parametrize(
    "retry", ["a few epochs", "0 epochs", "2.5 epochs", "500 steps"]
)
def test_retry_rejected(retry: str) -> None:
    findings = validate_reply(reply(retry=retry), report("d_wins"))

    assert rules(findings) == ["retry_epochs"]


# no_match_items

NO_MATCH_EVIDENCE = (
    'd_loss "0.41 at epoch 59"; g_loss "23.163 (includes reconstruction terms)"; '
    """samples "reconstructions look about as good as the paper's\""""
)


def test_no_match_catalog_ask() -> None:
    text = reply(
        failure="No match",
        evidence=NO_MATCH_EVIDENCE,
        fix=MODES["no_match"].fixes[0].text,
        retry="1 epoch",
        before="These numbers fit none of the failure modes.",
    )

    assert validate_reply(text, report("no_match")) == []


def test_no_match_natural_wording() -> None:
    text = reply(
        failure="No match",
        evidence=NO_MATCH_EVIDENCE,
        fix="Log D accuracy on real and on fake images and save a grid of samples.",
        retry="1 epoch",
    )

    assert validate_reply(text, report("no_match")) == []


@pytest.mark.parametrize(
    "fix",
    [
        "Share D's accuracy on reals and on fakes, plus an 8x8 grid of samples.",
        "Log the accuracy of D on real and generated batches; save samples in a grid.",
    ],
)
def test_no_match_variants(fix: str) -> None:
    text = reply(
        failure="No match", evidence=NO_MATCH_EVIDENCE, fix=fix, retry="1 epoch"
    )

    assert validate_reply(text, report("no_match")) == []


def test_no_match_missing_grid() -> None:
    text = reply(
        failure="No match",
        evidence=NO_MATCH_EVIDENCE,
        fix="Send the discriminator accuracy on real and fake batches.",
        retry="1 epoch",
    )

    findings = validate_reply(text, report("no_match"))

    assert rules(findings) == ["no_match_items"]
    assert findings[0].text == "a sample grid"


def test_no_match_missing_fake() -> None:
    text = reply(
        failure="No match",
        evidence=NO_MATCH_EVIDENCE,
        fix="Send d_accuracy_on_real and a sample grid.",
        retry="1 epoch",
    )

    findings = validate_reply(text, report("no_match"))

    assert [finding.text for finding in findings] == ["d_accuracy_on_fake"]


# The rule engine's own blocks are the fallback answer, so they must comply.
ENGINE_REPORTS = sorted(REPORTS.glob("*.yaml")) + sorted(
    (REPORTS.parent / "cases").glob("*.yaml")
)


@pytest.mark.parametrize("path", ENGINE_REPORTS, ids=lambda path: path.stem)
@pytest.mark.parametrize("strict", [False, True], ids=["expert", "strict"])
def test_engine_block_complies(path: Path, strict: bool) -> None:
    loaded = load_report(path)

    block = diagnose(loaded, strict=strict).block

    assert validate_reply(block, loaded) == []


def test_run_on_prose_bounded() -> None:
    # One 60k-character sentence was collapsed and quoted whole for each of
    # its 4000 matches. Findings now quote a window around the match.
    after = "Alternatively, if that fails, " * 2000

    started = time.perf_counter()
    findings = validate_reply(reply(after=after), report("d_wins"))
    elapsed = time.perf_counter() - started

    assert rules(findings) == ["one_fix"] * len(findings)
    assert all(len(finding.text) <= 240 for finding in findings)
    assert elapsed < 5


ACCURACY_EVIDENCE = (
    'd_loss "0.9, 0.4, 0.05 (decreasing)"; g_loss "1.0, 3.5, 7.2 (increasing)"; '
    'samples "blurry blobs"'
)


def test_reported_accuracies_allowed() -> None:
    # The report gives D accuracy 97% on real and 0.95 on fake after 12 epochs.
    evidence = ACCURACY_EVIDENCE + "; D accuracy 97% on real, 0.95 on fake at epoch 12"

    assert validate_reply(reply(evidence=evidence), report("accuracies")) == []


def test_invented_accuracy_rejected() -> None:
    evidence = ACCURACY_EVIDENCE + "; D accuracy 98% on real"

    findings = validate_reply(reply(evidence=evidence), report("accuracies"))

    assert [finding.text for finding in findings] == ["98"]


def test_fix_from_another_ladder() -> None:
    # Minibatch discrimination treats mode collapse; it is no rung of the
    # D-wins ladder (spectral norm, then halving D's learning rate).
    wrong = validate_reply(
        reply(fix="Add minibatch discrimination to D."), report("d_wins")
    )
    own_words = validate_reply(
        reply(fix="Make D weaker with a spectral-normalized critic head."),
        report("d_wins"),
    )

    assert "fix_matches_mode" in rules(wrong)
    assert "fix_matches_mode" not in rules(own_words)
