"""The fix ladder across turns: decide each answer from the run's state and a follow-up.

Shared by ``gan-triage chat`` and ``gan-triage triage --run``. A turn marks the
last proposed fix as tried when the user comes back after it (says it did not
help, says it worked, says it was applied, or sends new loss numbers), adds
every fix the message names and every fix the user cannot apply, and triages
the report again with all of them excluded, so the next rung of the same mode
comes up, then the next fitting mode, then no match. A fix in ``tried`` is
never proposed again, by the rules or by the model. A question or a "thanks"
changes nothing and gets a short message instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from . import catalog, turn_messages
from .followup import NO_MATCH, FollowUp, find_fixes
from .history import AnswerRecord, RunState
from .report import Report, build_report
from .rules import Diagnosis, diagnose

if TYPE_CHECKING:
    from .client import ModelClient


@dataclass
class Answer:
    """One answer: the block, the mode and fix it names, and who wrote it."""

    block: str
    failure: str | None
    failure_name: str
    fix: str | None
    fix_text: str
    source: str
    diagnosis: Diagnosis
    notes: list[str] = field(default_factory=list)

    def record(self) -> AnswerRecord:
        return AnswerRecord(
            failure=self.failure,
            failure_name=self.failure_name,
            fix=self.fix,
            fix_text=self.fix_text,
            block=self.block,
            source=self.source,
        )


class Answerer(Protocol):
    """Anything that triages a report with some fixes excluded."""

    def answer(self, report: Report, tried: Sequence[str]) -> Answer: ...


def rules_answer(diagnosis: Diagnosis, source: str = "rules") -> Answer:
    """Wrap a rule-engine diagnosis as an Answer."""
    return Answer(
        block=diagnosis.block,
        failure=diagnosis.failure,
        failure_name=diagnosis.failure_name,
        fix=diagnosis.fix_slug,
        fix_text=diagnosis.fix,
        source=source,
        diagnosis=diagnosis,
    )


@dataclass
class RulesAnswerer:
    """Answers with the rule engine."""

    strict: bool = False

    def answer(self, report: Report, tried: Sequence[str]) -> Answer:
        return rules_answer(diagnose(report, strict=self.strict, tried=tried))


@dataclass
class ModelAnswerer:
    """Answers with the model loop, falling back to the rules as the loop does.

    The model sees the fixes already tried, and the loop re-asks once when a
    reply proposes one of them anyway. Should a repeat still come back, it is
    caught here as a last check and the rule engine answers instead.
    """

    client: ModelClient | None = None
    model: str | None = None
    strict: bool = False

    def answer(self, report: Report, tried: Sequence[str]) -> Answer:
        from .loop import outcome_notes, run_model_triage

        outcome = run_model_triage(
            report,
            model=self.model,
            client=self.client,
            strict=self.strict,
            tried=list(tried),
        )
        if outcome.source == "rules":
            answer = rules_answer(outcome.diagnosis)
            answer.notes.extend(outcome_notes(outcome))
            return answer
        fix = fix_slug_of(outcome.block.fix)
        if fix is not None and fix in tried:
            answer = rules_answer(outcome.diagnosis)
            answer.notes.append(
                f"the model proposed {fix}, which was already tried; answered "
                "with the rule engine"
            )
            return answer
        answer = Answer(
            block=outcome.text,
            failure=outcome.failure_slug,
            failure_name=outcome.block.failure,
            fix=fix,
            fix_text=outcome.block.fix,
            source=outcome.source,
            diagnosis=outcome.diagnosis,
        )
        answer.notes.extend(outcome_notes(outcome))
        return answer


def fix_slug_of(text: str) -> str | None:
    """Map a fix line to the catalog fix it states, or None if it names none."""
    wanted = " ".join(text.split()).lower()
    for mode in catalog.MODES.values():
        for fix in mode.fixes:
            if " ".join(fix.text.split()).lower() == wanted:
                return fix.slug
    named = find_fixes(text)
    return named[0] if named else None


@dataclass
class TurnResult:
    """The product of one turn: an answer (or only a message) and the new state."""

    state: RunState
    answer: Answer | None
    message: str | None = None
    outcome: str | None = None
    notes: list[str] = field(default_factory=list)


def take_turn(
    state: RunState,
    followup: FollowUp,
    answerer: Answerer,
    *,
    report: Report | None = None,
    mapping: dict[str, Any] | None = None,
) -> TurnResult:
    """Answer one follow-up (or a new ``report``) given where the run stands.

    ``report`` and ``mapping`` carry a report read outside the message (a file
    or a log): the Report, and the fields that rebuild it from the history.
    """
    new = state.model_copy(deep=True)
    notes: list[str] = []
    if report is not None and mapping is None:
        raise ValueError("a report passed to take_turn needs its mapping")
    fresh = report is not None or followup.has_losses
    if not fresh:
        reply = _reply_without_moving(state, followup)
        if reply is not None:
            return TurnResult(state=new, answer=None, message=reply)

    came_back = fresh or followup.outcome is not None or followup.applied
    _mark_tried(new, followup, came_back=came_back)
    skipped = _mark_ruled_out(new, state, followup)
    if skipped:
        notes.append(turn_messages.ruled_out_note(skipped))
    new.grids.extend(path for path in followup.grids if path not in new.grids)
    if followup.grids:
        notes.append(turn_messages.grid_note(followup.grids))

    if followup.outcome == "fixed" and not fresh and not followup.has_evidence:
        return TurnResult(
            state=new,
            answer=None,
            outcome="fixed",
            message=turn_messages.fixed_message(state),
            notes=notes,
        )
    if _only_applied(followup, fresh):
        message = turn_messages.applied_message(state)
        return TurnResult(state=new, answer=None, message=message, notes=notes)

    if report is None:
        mapping = _next_mapping(state, followup)
        if mapping is None:
            message = turn_messages.unread_message(state)
            return TurnResult(state=new, answer=None, message=message, notes=notes)
        report = build_report(mapping, "message" if fresh else "last report")
    assert mapping is not None
    # Fixes the report lists as tried before this run's history began join
    # the run's own list, once each.
    for fix in report.fixes_already_tried:
        _add(new.tried, fix)
    answer = answerer.answer(report, new.tried)
    notes.extend(answer.notes)
    notes.extend(_ladder_notes(state, new, answer, fresh, followup))

    new.report = mapping
    new.last_failure = answer.failure
    new.last_fix = answer.fix if answer.fix is not None else answer.fix_text
    return TurnResult(state=new, answer=answer, outcome=followup.outcome, notes=notes)


def _reply_without_moving(state: RunState, followup: FollowUp) -> str | None:
    """Return the reply to a question or a "thanks", which change nothing."""
    if followup.only_asks:
        return turn_messages.question_message(state, followup)
    if followup.acknowledged:
        return turn_messages.acknowledgement_message(state)
    if followup.not_applied and _reports_nothing_else(followup):
        return turn_messages.pending_message(state)
    return None


def _reports_nothing_else(followup: FollowUp) -> bool:
    """True when the message states no outcome, fix, evidence or grid."""
    return not (
        followup.outcome
        or followup.named_fixes
        or followup.ruled_out
        or followup.ruled_out_last
        or followup.fields
        or followup.grids
    )


def _only_applied(followup: FollowUp, fresh: bool) -> bool:
    """True for "done" or "ok I did that" with no outcome, evidence or fixes named."""
    return (
        followup.applied
        and not fresh
        and followup.outcome is None
        and not followup.has_evidence
        and not followup.named_fixes
        and not followup.ruled_out
        and not followup.ruled_out_last
    )


def _mark_ruled_out(new: RunState, before: RunState, followup: FollowUp) -> list[str]:
    """Exclude the fixes the user cannot apply; return the ones newly excluded."""
    slugs = list(followup.ruled_out)
    last = before.last_fix
    if followup.ruled_out_last and last and before.last_failure != NO_MATCH:
        slugs.append(last)
    skipped = [slug for slug in dict.fromkeys(slugs) if slug not in new.tried]
    for slug in skipped:
        new.tried.append(slug)
    return skipped


def _mark_tried(state: RunState, followup: FollowUp, came_back: bool) -> None:
    """Add the fixes this turn shows were tried to ``state.tried``."""
    last = state.last_fix
    applied = came_back and not followup.not_applied
    if applied and last and state.last_failure != NO_MATCH:
        _add(state.tried, last)
    for slug in followup.named_fixes:
        _add(state.tried, slug)


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _next_mapping(state: RunState, followup: FollowUp) -> dict[str, Any] | None:
    """The report fields to triage: the message's own, or the last report's."""
    if followup.has_losses:
        return dict(followup.fields)
    if state.report is None:
        if followup.has_evidence:
            return {
                "d_loss_trend": "not reported",
                "g_loss_trend": "not reported",
                **followup.fields,
            }
        return None
    if followup.has_evidence:
        return {**state.report, **followup.fields}
    if followup.outcome or followup.named_fixes or followup.grids:
        return dict(state.report)
    if followup.ruled_out or followup.ruled_out_last:
        return dict(state.report)
    return None


def _ladder_notes(
    before: RunState,
    after: RunState,
    answer: Answer,
    fresh: bool,
    followup: FollowUp,
) -> list[str]:
    notes: list[str] = []
    last = before.last_failure
    moved = answer.failure not in (last, NO_MATCH) and last not in (None, NO_MATCH)
    if fresh and moved:
        notes.append(
            f"the picture changed: the last report read as {_name(last)}, this one "
            f"as {answer.failure_name}. The last fix may have worked, and a "
            "different problem is showing now."
        )
    elif moved and _ladder_used_up(last, after.tried):
        notes.append(
            f"every fix for {_name(last)} has been tried; {answer.failure_name} "
            "also fits this report, so its first untried fix comes next"
        )
    rung = _rung(answer)
    moved_on = before.last_fix is not None and before.last_fix in after.tried
    if answer.failure == last and moved_on and rung is not None:
        # A fix the user cannot apply already has its own note.
        skipped = followup.ruled_out_last or before.last_fix in followup.ruled_out
        why = "" if skipped else f"{before.last_fix} was tried, so "
        notes.append(
            f"{why}this is rung {rung[0]} of {rung[1]} on the ladder for "
            f"{answer.failure_name}"
        )
    if answer.failure == NO_MATCH:
        notes.extend(_no_match_notes(before, after, answer, followup))
    return notes


def _ladder_used_up(slug: str | None, tried: Sequence[str]) -> bool:
    mode = catalog.MODES.get(slug or "")  # type: ignore[call-overload]
    return mode is not None and all(fix.slug in tried for fix in mode.fixes)


def _rung(answer: Answer) -> tuple[int, int] | None:
    """The answer's rung on its mode's ladder (1-based) and the ladder's length."""
    mode = catalog.MODES.get(answer.failure or "")  # type: ignore[call-overload]
    if mode is None:
        return None
    slugs = [fix.slug for fix in mode.fixes]
    if answer.fix not in slugs:
        return None
    return slugs.index(answer.fix) + 1, len(slugs)


def _no_match_notes(
    before: RunState, after: RunState, answer: Answer, followup: FollowUp
) -> list[str]:
    fitting = [c for c in answer.diagnosis.candidates if c.fits]
    if fitting:
        names = " and ".join(c.name for c in fitting)
        ladders = "ladder" if len(fitting) == 1 else "ladders"
        return [
            f"every fix on the {ladders} for {names} has been tried or ruled out "
            f"({', '.join(after.tried)}); the three items can show a cause the "
            "losses do not"
        ]
    if before.last_failure == NO_MATCH and (followup.has_evidence or followup.grids):
        return [
            "still no match with the new evidence: the numbers and notes fit no "
            "failure mode, so gan-triage cannot tell what is wrong from them"
        ]
    return []


def _name(slug: str | None) -> str:
    mode = catalog.MODES.get(slug) if slug else None  # type: ignore[call-overload]
    return mode.name if mode is not None else str(slug)
