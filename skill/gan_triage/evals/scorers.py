"""Scorers: small deterministic checks of one reply, each with an explanation.

A scorer returns True (pass), False (fail) or None (does not apply, such as a
label-based scorer on an ambiguous case). The reply rules are not re-derived
here: the block, number, fix and "train longer" scorers map the validator's
rule ids, so the eval and the triage loop judge replies the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..block import TriageBlock, parse_block, repair_reply
from ..catalog import mode, mode_by_name
from ..errors import BlockError
from ..report import Report
from ..validate import Finding, validate_reply
from .cases import Case, Reading
from .fixes import fix_slug_of


@dataclass(frozen=True)
class Score:
    """One scorer's verdict on one reply; ``value`` None means not applicable."""

    value: bool | None
    explanation: str


@dataclass
class Judged:
    """A reply read against its case: the facts every scorer works from."""

    case: Case
    reading: Reading
    reply: str
    block: TriageBlock | None
    block_error: str | None
    predicted: str | None
    fix_slug: str | None
    oracle: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        return self.case.label(self.reading)


def _failure_slug(block: TriageBlock) -> str | None:
    # Models bold or backtick the name; the catalog lookup wants it bare.
    mode = mode_by_name(block.failure.strip("*_` "))
    return None if mode is None else mode.slug


def judge(
    case: Case, reading: Reading, report: Report, reply: str, oracle: str | None
) -> Judged:
    """Parse and validate ``reply`` as the triage loop does, after layout repair."""
    repaired = repair_reply(reply)
    findings = validate_reply(repaired, report)
    try:
        block: TriageBlock | None = parse_block(repaired)
        block_error = None
    except BlockError as error:
        block, block_error = None, str(error)
    predicted = None if block is None else _failure_slug(block)
    fix_slug = None if block is None else fix_slug_of(block.fix, predicted)
    return Judged(
        case=case,
        reading=reading,
        reply=reply,
        block=block,
        block_error=block_error,
        predicted=predicted,
        fix_slug=fix_slug,
        oracle=oracle,
        findings=findings,
    )


def _named(slug: str | None) -> str:
    return "no mode" if slug is None else slug


def score_mode_label(judged: Judged) -> Score:
    label = judged.label
    if label is None:
        return Score(None, "no label: the case is ambiguous, so it is not scored")
    if judged.predicted == label:
        return Score(True, f"named {label}, as labelled")
    return Score(False, f"named {_named(judged.predicted)}; the label is {label}")


def score_mode_oracle(judged: Judged) -> Score:
    if judged.oracle is None:
        return Score(None, "the rule engine rejected the input")
    if judged.predicted == judged.oracle:
        return Score(True, f"agrees with the rule engine ({judged.oracle})")
    return Score(
        False,
        f"named {_named(judged.predicted)}; the rule engine says {judged.oracle}",
    )


def acceptable_fixes(case: Case, reading: Reading) -> list[str] | None:
    """Return the case's own list, else every rung of the labelled mode's ladder."""
    if reading in case.acceptable_fixes:
        return case.acceptable_fixes[reading]
    label = case.label(reading)
    if label is None:
        return None
    return [fix.slug for fix in mode(label).fixes]


def score_fix_acceptable(judged: Judged) -> Score:
    allowed = acceptable_fixes(judged.case, judged.reading)
    if allowed is None:
        return Score(None, "no label, so no list of acceptable fixes")
    if judged.block is None:
        return Score(False, "no [triage] block, so no fix")
    if judged.fix_slug is None:
        return Score(False, f"fix {judged.block.fix!r} matches no catalog fix")
    if judged.fix_slug in allowed:
        return Score(True, f"fix {judged.fix_slug} is acceptable")
    return Score(False, f"fix {judged.fix_slug} is not one of {', '.join(allowed)}")


def _rule_scorer(rules: tuple[str, ...], passed: str) -> Callable[[Judged], Score]:
    def scorer(judged: Judged) -> Score:
        broken = [finding for finding in judged.findings if finding.rule in rules]
        if not broken:
            return Score(True, passed)
        detail = "; ".join(f"{f.rule}: {f.message}" for f in broken)
        return Score(False, detail)

    return scorer


def score_no_match_items(judged: Judged) -> Score:
    if judged.predicted != "no_match":
        return Score(None, "applies only to a no-match answer")
    return _rule_scorer(("no_match_items",), "asks for all three items")(judged)


BLOCK_RULES = ("one_block", "fields", "failure_name", "retry_epochs")

SCORERS: dict[str, Callable[[Judged], Score]] = {
    "mode_label": score_mode_label,
    "mode_oracle": score_mode_oracle,
    "fix_acceptable": score_fix_acceptable,
    "block_valid": _rule_scorer(BLOCK_RULES, "one complete block, valid fields"),
    "numbers_verbatim": _rule_scorer(
        ("verbatim_numbers", "samples_quoted"), "numbers and sample notes verbatim"
    ),
    "one_fix": _rule_scorer(("one_fix",), "exactly one fix"),
    "no_train_longer": _rule_scorer(
        ("train_longer",), "no 'train longer' outside equilibrium"
    ),
    "no_match_items": score_no_match_items,
}


def score_all(judged: Judged) -> dict[str, Score]:
    return {name: scorer(judged) for name, scorer in SCORERS.items()}
