"""The fix ladder across turns, with the rule engine and with a scripted model.

Expected sequences are read off the catalog's ladders by hand:
vanishing gradient [non_saturating_loss, spectral_norm, halve_d_lr], where G's
loss above 0 shows the first rung is already in place; D wins [spectral_norm,
halve_d_lr];
mode collapse [minibatch_discrimination, double_batch, label_conditioning];
oscillation [ttur, wgan_gp]; equilibrium [continue_and_fid]; diverged
[lower_lr_10x, fp32]; frozen [unblock_d_gradient]. Fitting modes follow the
precedence diverged, frozen, vanishing, D wins, collapse, oscillation,
equilibrium; after the last fitting mode's last rung comes no match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from gan_triage.client import Message, ModelReply, Usage
from gan_triage.followup import read_followup
from gan_triage.history import RunState
from gan_triage.ladder import (
    Answerer,
    ModelAnswerer,
    RulesAnswerer,
    TurnResult,
    take_turn,
)
from gan_triage.report import build_report
from gan_triage.validate import validate_reply

NOT_FIXED = "still the same after 10 epochs"
NO_MATCH = ("no_match", "send_evidence")

# D 0.06 <= 0.1 with G rising: D wins; D is not below 0.05, so no vanishing.
D_WINS = {
    "d_loss_trend": "0.3, 0.1, 0.06",
    "g_loss_trend": "3, 4, 6",
    "sample_notes": "random noise",
}
# D 0.04 < 0.05 with G 11 > 10: vanishing gradient, and D wins fits too.
VANISHING = {
    "d_loss_trend": "0.3, 0.1, 0.04",
    "g_loss_trend": "8, 10, 11",
    "sample_notes": "noise",
}
# D wins by the numbers, and the samples are one output: collapse fits too.
D_WINS_COLLAPSED = {**D_WINS, "sample_notes": "every sample is the same digit"}
# Both losses reverse every epoch with steps larger than log 4: oscillation;
# the samples add collapse, which comes first.
SWINGING = {
    "d_loss_trend": "0.2, 1.4, 0.3, 1.5, 0.2",
    "g_loss_trend": "4, 0.5, 5, 0.4, 4.5",
}
COLLAPSE_SWINGING = {**SWINGING, "sample_notes": "a handful of identical faces"}
OSCILLATING = {**SWINGING, "sample_notes": "samples flicker between epochs"}
# ln 4 and ln 2, static, with fine samples.
EQUILIBRIUM = {
    "d_loss_trend": "1.38, 1.39, 1.38",
    "g_loss_trend": "0.69, 0.70, 0.69",
    "sample_notes": "samples look reasonable",
}
DIVERGED = {"d_loss_trend": "1.2, nan, nan", "g_loss_trend": "2.0, nan, nan"}
FROZEN = {
    "d_loss_trend": "stuck at 1.398 every epoch",
    "g_loss_trend": "stuck at 0.693 every epoch",
    "sample_notes": "noise",
}
# D 0.11 is above 0.1 and G is flat below 5: no mode fits.
UNCLEAR = {"d_loss_trend": "0.3, 0.2, 0.11", "g_loss_trend": "5.5, 6, 6"}


def start(mapping: dict[str, Any], answerer: Answerer | None = None) -> TurnResult:
    return take_turn(
        RunState(),
        read_followup(""),
        answerer or RulesAnswerer(),
        report=build_report(mapping, "test"),
        mapping=mapping,
    )


def say(result: TurnResult, text: str, answerer: Answerer | None = None) -> TurnResult:
    return take_turn(result.state, read_followup(text), answerer or RulesAnswerer())


def walk(mapping: dict[str, Any], answerer: Answerer | None = None) -> list[Any]:
    result = start(mapping, answerer)
    steps = []
    for _ in range(10):
        assert result.answer is not None
        steps.append((result.answer.failure, result.answer.fix))
        if result.answer.failure == "no_match":
            break
        result = say(result, NOT_FIXED, answerer)
    return steps


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (D_WINS, [("d_wins", "spectral_norm"), ("d_wins", "halve_d_lr"), NO_MATCH]),
        (
            VANISHING,
            [
                ("vanishing_gradient", "spectral_norm"),
                ("vanishing_gradient", "halve_d_lr"),
                NO_MATCH,
            ],
        ),
        (
            D_WINS_COLLAPSED,
            [
                ("d_wins", "spectral_norm"),
                ("d_wins", "halve_d_lr"),
                ("mode_collapse", "minibatch_discrimination"),
                ("mode_collapse", "double_batch"),
                ("mode_collapse", "label_conditioning"),
                NO_MATCH,
            ],
        ),
        (
            COLLAPSE_SWINGING,
            [
                ("mode_collapse", "minibatch_discrimination"),
                ("mode_collapse", "double_batch"),
                ("mode_collapse", "label_conditioning"),
                ("oscillation", "ttur"),
                ("oscillation", "wgan_gp"),
                NO_MATCH,
            ],
        ),
        (OSCILLATING, [("oscillation", "ttur"), ("oscillation", "wgan_gp"), NO_MATCH]),
        (EQUILIBRIUM, [("equilibrium", "continue_and_fid"), NO_MATCH]),
        (
            DIVERGED,
            [("diverged", "lower_lr_10x"), ("diverged", "fp32"), NO_MATCH],
        ),
        (FROZEN, [("frozen", "unblock_d_gradient"), NO_MATCH]),
    ],
    ids=[
        "d_wins",
        "vanishing",
        "d_wins_then_collapse",
        "collapse_then_oscillation",
        "oscillation",
        "equilibrium",
        "diverged",
        "frozen",
    ],
)
def test_rules_walk_ladder(mapping: dict[str, Any], expected: list[Any]) -> None:
    steps = walk(mapping)

    assert steps == expected
    fixes = [fix for _, fix in steps]
    assert len(set(fixes)) == len(fixes)


def test_exhausted_ladder_block_valid() -> None:
    result = say(say(start(D_WINS), NOT_FIXED), NOT_FIXED)

    assert result.answer is not None
    assert result.answer.failure == "no_match"
    assert validate_reply(result.answer.block, build_report(D_WINS, "test")) == []
    assert any("every fix on the ladder for D wins" in n for n in result.notes)


def test_tried_list_in_order() -> None:
    result = say(say(start(D_WINS), NOT_FIXED), NOT_FIXED)

    assert result.state.tried == ["spectral_norm", "halve_d_lr"]


def test_named_fix_skips_rung() -> None:
    first = start(D_WINS)

    result = say(first, "added spectral norm and halved the lr, still the same")

    assert result.answer is not None
    assert result.answer.failure == "no_match"
    assert result.state.tried == ["spectral_norm", "halve_d_lr"]


def test_named_fix_before_ladder_reaches_it() -> None:
    # The user tried halving D's rate before asking; spectral norm then fails.
    first = take_turn(
        RunState(),
        read_followup("I already halved D's learning rate"),
        RulesAnswerer(),
        report=build_report(D_WINS, "test"),
        mapping=D_WINS,
    )

    second = say(first, NOT_FIXED)

    assert first.answer is not None
    assert first.answer.fix == "spectral_norm"
    assert second.answer is not None
    assert second.answer.failure == "no_match"


def test_fix_worked_gives_no_block() -> None:
    result = say(start(D_WINS), "that fixed it, thanks")

    assert result.answer is None
    assert result.outcome == "fixed"
    assert result.state.tried == ["spectral_norm"]


def test_not_applied_keeps_fix_untried() -> None:
    result = say(start(D_WINS), "I haven't tried it yet")

    assert result.answer is None
    assert result.state.tried == []


def test_same_picture_new_numbers_moves_on() -> None:
    newer = {**D_WINS, "d_loss_trend": "0.2, 0.05, 0.03"}

    result = take_turn(
        start(D_WINS).state,
        read_followup(""),
        RulesAnswerer(),
        report=build_report(newer, "test"),
        mapping=newer,
    )

    assert result.answer is not None
    assert result.answer.fix == "halve_d_lr"


def test_changed_picture_noted() -> None:
    # D back in 0.6-0.9 with low G and one repeated digit: collapse, not D wins.
    text = (
        'd_loss_trend: "0.8, 0.6, 0.9, 0.7"\n'
        'g_loss_trend: "1.5, 1.6, 1.5"\n'
        'sample_notes: "all the same digit"\n'
    )

    result = say(start(D_WINS), text)

    assert result.answer is not None
    assert result.answer.failure == "mode_collapse"
    assert result.state.tried == ["spectral_norm"]
    assert any("picture changed" in note for note in result.notes)


def test_no_match_then_accuracies() -> None:
    first = start(UNCLEAR)

    result = say(first, "d_accuracy_on_real 0.98, d_accuracy_on_fake 0.97")

    assert first.answer is not None
    assert first.answer.failure == "no_match"
    assert result.answer is not None
    assert result.answer.failure == "d_wins"
    assert result.state.tried == []


def test_no_match_then_unclear_accuracies() -> None:
    # 0.75 and 0.70: neither both >= 0.9 nor both in 0.35-0.65.
    result = say(start(UNCLEAR), "real acc 75%, fake acc 70%")

    assert result.answer is not None
    assert result.answer.failure == "no_match"
    assert any("still no match" in note for note in result.notes)


def test_grid_path_not_read() -> None:
    result = say(start(UNCLEAR), "here is the grid: runs/epoch40.png")

    assert result.answer is not None
    assert result.answer.failure == "no_match"
    assert result.state.grids == ["runs/epoch40.png"]
    assert any("cannot look at images" in note for note in result.notes)


def test_sample_words_after_no_match_quoted() -> None:
    result = say(
        start(UNCLEAR),
        "d_accuracy_on_real 0.98, d_accuracy_on_fake 0.97, samples: pure noise",
    )

    assert result.answer is not None
    assert 'samples "pure noise"' in result.answer.block


def test_follow_up_without_report() -> None:
    result = take_turn(RunState(), read_followup(NOT_FIXED), RulesAnswerer())

    assert result.answer is None
    assert result.message is not None and "No report yet" in result.message


@dataclass
class ScriptedClient:
    """A model client that returns hand-written replies in order."""

    replies: list[str]
    model: str = "claude-scripted"
    calls: list[list[Message]] = field(default_factory=list)

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        self.calls.append(list(messages))
        text = self.replies[len(self.calls) - 1]
        return ModelReply(text, "end_turn", Usage(100, 40), 0.1)


EVIDENCE = (
    'd_loss "0.3, 0.1, 0.06"; g_loss "3, 4, 6"; '
    'samples "every sample is the same digit"'
)
FIX_TEXTS = {
    "spectral_norm": "Wrap every D layer in spectral normalization "
    "(torch.nn.utils.spectral_norm) and remove D's BatchNorm layers.",
    "halve_d_lr": "Halve D's learning rate and leave G's unchanged.",
    "minibatch_discrimination": "Add minibatch discrimination to D (a "
    "minibatch-statistics layer before its last layer).",
    "double_batch": "Double the batch size.",
    "label_conditioning": "Condition G and D on class labels (a conditional "
    "GAN), provided the data set has labels.",
}


def model_block(failure: str, fix: str, retry: int) -> str:
    return (
        f"[triage]\n  failure:  {failure}\n  evidence: {EVIDENCE}\n"
        f"  fix:      {FIX_TEXTS[fix]}\n"
        f"  retry:    {retry} epochs, then triage again with the new numbers"
    )


NO_MATCH_BLOCK = (
    f"[triage]\n  failure:  No match\n  evidence: {EVIDENCE}\n"
    "  fix:      Send d_accuracy_on_real, d_accuracy_on_fake and a sample grid "
    "so the run can be triaged.\n"
    "  retry:    1 epoch: send what the fix line asks for, then triage again"
)


def test_model_walks_ladder() -> None:
    # D wins retries after 5 epochs, mode collapse after 10 (no epochs given).
    client = ScriptedClient(
        [
            model_block("D wins completely", "spectral_norm", 5),
            model_block("D wins completely", "halve_d_lr", 5),
            model_block("Mode collapse", "minibatch_discrimination", 10),
            model_block("Mode collapse", "double_batch", 10),
            model_block("Mode collapse", "label_conditioning", 10),
            NO_MATCH_BLOCK,
        ]
    )
    answerer = ModelAnswerer(client=client)

    steps = walk(D_WINS_COLLAPSED, answerer)

    assert steps == [
        ("d_wins", "spectral_norm"),
        ("d_wins", "halve_d_lr"),
        ("mode_collapse", "minibatch_discrimination"),
        ("mode_collapse", "double_batch"),
        ("mode_collapse", "label_conditioning"),
        NO_MATCH,
    ]
    assert len(client.calls) == 6


def test_model_told_tried_fixes() -> None:
    client = ScriptedClient(
        [
            model_block("D wins completely", "spectral_norm", 5),
            model_block("D wins completely", "halve_d_lr", 5),
        ]
    )
    answerer = ModelAnswerer(client=client)

    say(start(D_WINS_COLLAPSED, answerer), NOT_FIXED, answerer)

    first, second = client.calls[0][0]["content"], client.calls[1][0]["content"]
    assert "fixes_already_tried" not in first
    assert "fixes_already_tried" in second
    assert "torch.nn.utils.spectral_norm" in second


def test_model_repeat_falls_back() -> None:
    # After spectral norm was tried, the model proposes it again, is re-asked
    # and proposes it once more, so the rules give the next rung instead.
    client = ScriptedClient(
        [
            model_block("D wins completely", "spectral_norm", 5),
            model_block("D wins completely", "spectral_norm", 5),
            model_block("D wins completely", "spectral_norm", 5),
        ]
    )
    answerer = ModelAnswerer(client=client)

    result = say(start(D_WINS_COLLAPSED, answerer), NOT_FIXED, answerer)

    assert result.answer is not None
    assert result.answer.fix == "halve_d_lr"
    assert result.answer.source == "rules"
    assert len(client.calls) == 3
    assert any("fix_matches_mode" in note for note in result.notes)


def test_how_to_question_keeps_rung() -> None:
    result = say(start(D_WINS), "how do I add spectral norm to a Conv2d?")

    assert result.answer is None
    assert result.state.tried == []
    assert result.state.last_fix == "spectral_norm"
    assert result.message is not None
    assert "torch.nn.utils.spectral_norm" in result.message


def test_question_then_not_fixed() -> None:
    asked = say(start(D_WINS), "how do I add spectral norm to a Conv2d?")

    result = say(asked, NOT_FIXED)

    assert result.answer is not None
    assert result.answer.fix == "halve_d_lr"


def test_term_question_marks_nothing() -> None:
    result = say(start(D_WINS), "what does TTUR mean?")

    assert result.answer is None
    assert result.state.tried == []
    assert result.message is not None
    assert "4e-4" in result.message


def test_preamble_then_new_report() -> None:
    # D 0.68-0.75 is far above 0.1 and G stays near 1.1-1.3, so D no longer
    # wins; every sample being one shoe is collapse, whose first rung is
    # minibatch discrimination. spectral_norm was applied, so it is tried.
    text = (
        "ok I did that, now D loss is 0.7, 0.75, 0.68 and G loss 1.1, 1.3, "
        "1.0, and every sample is the same shoe"
    )

    result = say(start(D_WINS), text)

    assert result.answer is not None
    assert result.answer.failure == "mode_collapse"
    assert result.answer.fix == "minibatch_discrimination"
    assert result.state.tried == ["spectral_norm"]
    assert 'samples "every sample is the same shoe"' in result.answer.block


def test_done_marks_applied_only() -> None:
    result = say(start(D_WINS), "done")

    assert result.answer is None
    assert result.state.tried == ["spectral_norm"]
    assert result.state.last_fix == "spectral_norm"


@pytest.mark.parametrize("text", ["that fixed it", "it works now"])
def test_fixed_after_no_match(text: str) -> None:
    result = say(start(UNCLEAR), text)

    assert result.answer is None
    assert result.state.tried == []
    assert result.message is not None
    assert "send_evidence" not in result.message
    assert "nothing to triage" in result.message


def test_no_match_never_tried() -> None:
    result = say(start(UNCLEAR), NOT_FIXED)

    assert "send_evidence" not in result.state.tried


def test_report_lists_tried_fix() -> None:
    mapping = {**D_WINS, "fixes_already_tried": ["spectral norm"]}

    result = start(mapping)

    assert result.answer is not None
    assert result.answer.fix == "halve_d_lr"
    assert result.state.tried == ["spectral_norm"]


def test_report_and_message_tried_once() -> None:
    mapping = {**D_WINS, "fixes_already_tried": ["spectral_norm"]}

    result = take_turn(
        RunState(tried=["spectral_norm"]),
        read_followup("spectral norm didn't help"),
        RulesAnswerer(),
        report=build_report(mapping, "test"),
        mapping=mapping,
    )

    assert result.state.tried == ["spectral_norm"]


def test_cannot_apply_skips_rung() -> None:
    result = say(start(D_WINS), "I can't use spectral norm, my D has no conv layers")

    assert result.answer is not None
    assert result.answer.fix == "halve_d_lr"
    assert any("cannot be applied" in note for note in result.notes)
    assert not any("was tried" in note for note in result.notes)


def test_no_labels_skips_conditioning() -> None:
    # With spectral_norm tried, the answers run halve_d_lr, minibatch
    # discrimination, double_batch, then label_conditioning, the last rung.
    collapsed = {**D_WINS_COLLAPSED, "fixes_already_tried": ["spectral_norm"]}
    result = start(collapsed)
    for _ in range(3):
        result = say(result, NOT_FIXED)

    after = say(result, "I don't have labels")

    assert result.answer is not None
    assert result.answer.fix == "label_conditioning"
    assert after.answer is not None
    assert after.answer.failure == "no_match"
    assert "label_conditioning" in after.state.tried


def test_thanks_changes_nothing() -> None:
    first = start(D_WINS)

    result = say(first, "thanks!")

    assert result.answer is None
    assert result.state == first.state


def test_still_training_keeps_rung() -> None:
    result = say(start(D_WINS), "not yet, still training")

    assert result.answer is None
    assert result.state.tried == []
    assert result.state.last_fix == "spectral_norm"


def test_better_samples_close_thread() -> None:
    result = say(start(D_WINS), "the samples look better now")

    assert result.answer is None
    assert result.outcome == "fixed"
    assert result.state.tried == ["spectral_norm"]
