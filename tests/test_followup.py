"""Reading follow-up messages: outcomes, named fixes, evidence and grid paths.

Each expected slug is the catalog fix whose alias appears in the message: "spectral
norm" is spectral_norm, "TTUR" is ttur, "WGAN-GP" is wgan_gp (not the shorter
"wgan" alias inside it), "halved" is halve_d_lr.
"""

from __future__ import annotations

import pytest

from gan_triage.followup import find_fixes, read_followup


@pytest.mark.parametrize(
    "text",
    [
        "still the same after 10 epochs",
        "spectral norm didn't change anything",
        "no difference at all",
        "it got worse",
        "nothing changed, D is at 0.001 again",
        "same as before",
    ],
)
def test_not_fixed_phrases(text: str) -> None:
    assert read_followup(text).outcome == "not_fixed"


@pytest.mark.parametrize(
    "text", ["that fixed it!", "it worked, thanks", "training well now"]
)
def test_fixed_phrases(text: str) -> None:
    assert read_followup(text).outcome == "fixed"


def test_not_fixed_wins_over_fixed() -> None:
    followup = read_followup("it helped a bit but it is still collapsing")

    assert followup.outcome == "not_fixed"


def test_plain_question_has_no_outcome() -> None:
    assert read_followup("what does the retry line mean?").outcome is None


def test_epochs_after_fix() -> None:
    assert read_followup("still the same after 10 epochs").epochs == 10


def test_named_fix_from_alias() -> None:
    followup = read_followup("spectral norm didn't change anything")

    assert followup.named_fixes == ("spectral_norm",)


def test_two_named_fixes_in_order() -> None:
    followup = read_followup("I tried TTUR and then WGAN-GP, still oscillating")

    assert followup.named_fixes == ("ttur", "wgan_gp")


def test_longest_alias_wins() -> None:
    # "wgan-gp" contains the alias "wgan"; the span counts once.
    assert find_fixes("switched to wgan-gp") == ["wgan_gp"]


def test_alias_needs_whole_word() -> None:
    # "sn" is an alias of spectral_norm but must not match inside "snapshot".
    assert find_fixes("took a snapshot of the samples") == []


def test_halved_lr_named() -> None:
    followup = read_followup("halved D's learning rate, no change")

    assert followup.named_fixes == ("halve_d_lr",)
    assert followup.outcome == "not_fixed"


def test_untried_fix_not_counted() -> None:
    followup = read_followup("I haven't tried spectral norm yet")

    assert followup.named_fixes == ()


def test_not_applied_without_name() -> None:
    followup = read_followup("I haven't tried it yet")

    assert followup.not_applied is True
    assert followup.named_fixes == ()


def test_accuracies_by_field_name() -> None:
    followup = read_followup("d_accuracy_on_real 0.98, d_accuracy_on_fake 0.97")

    assert followup.fields["d_accuracy_on_real"] == "0.98"
    assert followup.fields["d_accuracy_on_fake"] == "0.97"


def test_accuracies_in_words() -> None:
    followup = read_followup("real acc 55%, accuracy on fakes is 52%")

    assert followup.fields["d_accuracy_on_real"] == "55%"
    assert followup.fields["d_accuracy_on_fake"] == "52%"


def test_labelled_sample_notes() -> None:
    followup = read_followup("d_accuracy_on_real 0.98, samples: pure noise")

    assert followup.fields["sample_notes"] == "pure noise"


def test_sample_sentence() -> None:
    followup = read_followup("Samples look like the same grey blob.")

    assert followup.fields["sample_notes"] == "Samples look like the same grey blob"


def test_grid_path_recorded_not_read() -> None:
    followup = read_followup("the grid is at out/grid_40.png")

    assert followup.grids == ("out/grid_40.png",)
    assert "sample_notes" not in followup.fields


def test_yaml_report_is_new_report() -> None:
    text = 'd_loss_trend: "0.9, 0.4, 0.1"\ng_loss_trend: "1, 4, 9"\n'

    followup = read_followup(text)

    assert followup.has_losses is True
    assert followup.fields["d_loss_trend"] == "0.9, 0.4, 0.1"


def test_yaml_evidence_only() -> None:
    followup = read_followup("d_accuracy_on_real: 0.98\nd_accuracy_on_fake: 0.97\n")

    assert followup.has_losses is False
    assert followup.has_evidence is True


def test_unreadable_message_is_empty() -> None:
    assert read_followup("hello there").is_empty is True


def test_prose_numbers_are_new_report() -> None:
    followup = read_followup("now D loss is 0.6, 0.7, 0.65 and G loss 1.1, 1.3, 1.2")

    assert followup.has_losses is True
    assert "0.6, 0.7, 0.65" in followup.fields["d_loss_trend"]
    assert "1.1, 1.3, 1.2" in followup.fields["g_loss_trend"]


def test_prose_without_numbers_no_report() -> None:
    followup = read_followup("the generator still produces noise")

    assert followup.has_losses is False
    assert followup.outcome == "not_fixed"


def test_how_to_question_tries_nothing() -> None:
    followup = read_followup("how do I add spectral norm to a Conv2d?")

    assert followup.named_fixes == ()
    assert followup.asked_fixes == ("spectral_norm",)
    assert followup.only_asks


def test_term_question_tries_nothing() -> None:
    followup = read_followup("what does TTUR mean?")

    assert followup.named_fixes == ()
    assert followup.outcome is None
    assert followup.only_asks


def test_question_without_mark() -> None:
    followup = read_followup("should I try WGAN-GP instead")

    assert followup.named_fixes == ()
    assert followup.asked_fixes == ("wgan_gp",)


def test_report_before_closing_question() -> None:
    followup = read_followup("I added spectral norm, what now?")

    assert followup.named_fixes == ("spectral_norm",)
    assert followup.questions == ("what now?",)


def test_question_reporting_failure() -> None:
    followup = read_followup("why is it still collapsing after spectral norm?")

    assert followup.outcome == "not_fixed"
    assert followup.named_fixes == ("spectral_norm",)
    assert not followup.only_asks


SHOE = (
    "D loss is 0.7, 0.75, 0.68 and G loss 1.1, 1.3, 1.0, and every sample is "
    "the same shoe"
)


@pytest.mark.parametrize(
    "preamble",
    ["ok I did that, now ", "done, now ", "after that, ", "I tried it and now "],
)
def test_preamble_marks_applied(preamble: str) -> None:
    followup = read_followup(preamble + SHOE)

    assert followup.applied
    assert followup.fields["sample_notes"] == "every sample is the same shoe"
    assert followup.has_losses


def test_preamble_left_out_of_trend() -> None:
    followup = read_followup("ok I did that, now " + SHOE)

    assert not str(followup.fields["d_loss_trend"]).lower().startswith("now")
    assert "did that" not in str(followup.fields["d_loss_trend"])


def test_done_alone_is_applied() -> None:
    followup = read_followup("done")

    assert followup.applied
    assert followup.fields == {}
    assert followup.outcome is None


def test_preamble_then_outcome() -> None:
    followup = read_followup("I tried it and now it is still the same")

    assert followup.applied
    assert followup.outcome == "not_fixed"


def test_no_preamble_in_plain_report() -> None:
    assert not read_followup(SHOE).applied


def test_cannot_use_fix_rules_it_out() -> None:
    followup = read_followup("I can't use spectral norm, my D has no conv layers")

    assert followup.ruled_out == ("spectral_norm",)
    assert followup.named_fixes == ()


def test_cannot_do_that_rules_out_last() -> None:
    followup = read_followup("I can't do that")

    assert followup.ruled_out_last
    assert followup.ruled_out == ()


@pytest.mark.parametrize(
    "text", ["I don't have labels", "the data set has no labels", "it's unlabeled"]
)
def test_no_labels_rules_out_conditioning(text: str) -> None:
    assert read_followup(text).ruled_out == ("label_conditioning",)


def test_evidence_request_is_no_fix() -> None:
    assert find_fixes("I will send evidence and the send_evidence items") == []


@pytest.mark.parametrize("text", ["thanks!", "ok, thank you", "great, thanks a lot"])
def test_thanks_acknowledged(text: str) -> None:
    assert read_followup(text).acknowledged


def test_report_is_not_thanks() -> None:
    assert not read_followup("thanks, still the same after 10 epochs").acknowledged


def test_better_samples_are_outcome() -> None:
    followup = read_followup("the samples look better now")

    assert followup.outcome == "fixed"
    assert "sample_notes" not in followup.fields


def test_still_training_is_pending() -> None:
    followup = read_followup("not yet, still training")

    assert followup.outcome is None
    assert followup.not_applied


def test_not_yet_better_not_fixed() -> None:
    assert read_followup("not yet better after 10 epochs").outcome == "not_fixed"


def test_will_do_acknowledged() -> None:
    assert read_followup("ok, will do").acknowledged
