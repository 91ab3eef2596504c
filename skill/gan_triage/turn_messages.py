"""Messages a turn returns instead of a [triage] block, and the notes beside one.

A turn returns a message without a new block when the user's message moves
nothing on the fix ladder: a question, "done", "thanks", "that fixed it", or
text that cannot be read. These messages name the current fix, so the user
sees which fix the run is on.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import catalog
from .followup import NO_MATCH, FollowUp
from .history import RunState

EVIDENCE_REQUEST = (
    "send D's accuracy on real samples, D's accuracy on generated samples and a "
    "description of the sample grid, e.g. 'd_accuracy_on_real 0.98, "
    "d_accuracy_on_fake 0.97, samples: every image is the same blob'"
)


def find_fix(slug: str) -> tuple[catalog.Mode, catalog.Fix] | None:
    """Return the catalog fix with this slug and its mode, or None."""
    for mode in catalog.MODES.values():
        for fix in mode.fixes:
            if fix.slug == slug:
                return mode, fix
    return None


def fix_text(slug: str) -> str:
    """Return the catalog text of a fix, or ``slug`` itself for a fix not in it."""
    found = find_fix(slug)
    return found[1].text if found is not None else slug


def question_message(state: RunState, followup: FollowUp) -> str:
    """Return the reply to a question, which restates the fix it concerns."""
    current = state.last_fix
    if state.last_failure == NO_MATCH:
        return (
            "gan-triage answers only with one failure mode and one fix. Nothing "
            f"fits yet, so the next step is the same: {EVIDENCE_REQUEST}."
        )
    other_fixes = [slug for slug in followup.asked_fixes if slug != current]
    if other_fixes:
        return _other_fix_message(state, other_fixes[0])
    if current is None:
        return (
            "gan-triage answers only with one failure mode and one fix, so paste a "
            "report first (YAML with d_loss_trend, g_loss_trend and sample_notes, "
            "a log file path, or the losses in words)."
        )
    return (
        f"The current fix: {fix_text(current)} Asking about it does not mark it "
        "as tried. Apply it, train for the retry wait, then send the new numbers "
        "or say whether it helped."
    )


def _other_fix_message(state: RunState, slug: str) -> str:
    mode, fix = find_fix(slug) or (None, None)
    described = fix.text if fix is not None else slug
    where = f", on the ladder for {mode.name}" if mode is not None else ""
    if slug in state.tried:
        status = f"{slug} is already recorded as tried, so it will not come up again."
    else:
        status = "gan-triage gives one fix at a time, so it is not marked as tried."
    current = state.last_fix
    then = (
        f" The current fix is still: {fix_text(current)}" if current is not None else ""
    )
    return f"The {slug} fix{where}: {described} {status}{then}"


def applied_message(state: RunState) -> str:
    """Return the reply to "done" or "ok I did that" sent without numbers."""
    if state.last_failure == NO_MATCH:
        return f"Noted. To triage the run, {EVIDENCE_REQUEST}."
    fix = f" ({state.last_fix})" if state.last_fix else ""
    return (
        f"Noted: the last fix{fix} is recorded as applied. Train for the retry "
        "wait, then send the new numbers or say whether it helped."
    )


def pending_message(state: RunState) -> str:
    """Return the reply to "not yet" or "I haven't tried it yet"."""
    if state.last_fix is None or state.last_failure == NO_MATCH:
        return acknowledgement_message(state)
    return (
        f"OK: {state.last_fix} is not marked as tried. Once it has run for the "
        "retry wait, send the new numbers or say whether it helped."
    )


def acknowledgement_message(state: RunState) -> str:
    """Return the reply to "thanks" or "ok", which change nothing."""
    if state.last_fix is None or state.last_failure == NO_MATCH:
        return "Noted. Paste new numbers whenever you have them."
    return (
        f"Noted. After applying {state.last_fix} and training for the "
        "retry wait, send the new numbers or say whether it helped."
    )


def fixed_message(state: RunState) -> str:
    """Return the reply to "that fixed it".

    After a no match, the answer only requested evidence, so no fix is
    recorded as having worked.
    """
    if state.last_failure == NO_MATCH or state.last_fix is None:
        return (
            "Good: the run is training well, so there is nothing to triage and "
            "nothing is marked as tried. Send new numbers if a problem shows up."
        )
    return (
        f"Good: the last fix ({state.last_fix}) is recorded as having worked. Send "
        "new numbers if another problem shows up."
    )


def ruled_out_note(slugs: Sequence[str]) -> str:
    """Say which fixes are skipped because the user cannot apply them."""
    names = " and ".join(slugs)
    them = "it" if len(slugs) == 1 else "them"
    return f"{names} cannot be applied to this run, so the ladder skips {them}"


def grid_note(paths: Sequence[str]) -> str:
    shown = ", ".join(paths)
    return (
        f"sample grid recorded ({shown}); gan-triage cannot look at images, so "
        "describe what the grid shows in words, e.g. 'samples: every image is "
        "the same grey blob'"
    )


def unread_message(state: RunState) -> str:
    if state.report is None:
        return (
            "No report yet: paste a report (YAML with d_loss_trend, g_loss_trend "
            "and sample_notes), a log file path, or describe the losses."
        )
    return (
        "I could not read that as a report or an outcome. Say whether the last "
        "fix helped (e.g. 'still the same after 10 epochs'), name the fix you "
        "tried, or paste new numbers."
    )
