"""Wording checks: one fix, no "train longer", and the no-match requests."""

from __future__ import annotations

import bisect
import re

from . import reply_phrases as phrases
from .block import BlockField
from .catalog import MODES
from .finding import Finding, collapse_whitespace
from .report import Report


def check_fix_field(fix: BlockField) -> list[Finding]:
    """Flag a fix field that offers alternatives or lists several changes."""
    findings: list[Finding] = []
    for pattern in (*phrases.FIX_ALTERNATIVES, *phrases.FIX_CHAINED):
        match = pattern.search(fix.value)
        if match is not None:
            message = (
                f"fix offers more than one change (it says {match.group(0)!r}). "
                "Keep a single concrete change and drop the alternative; the "
                "user comes back after the retry wait if it does not work."
            )
            findings.append(Finding(rule="one_fix", text=fix.value, message=message))
            break
    listed = any(phrases.FIX_LIST_ITEM.match(line) for line in fix.lines if line)
    if listed or phrases.FIX_INLINE_LIST.search(fix.value):
        message = (
            "fix is written as a list of changes. Write one concrete change as "
            "one sentence on the fix line."
        )
        findings.append(Finding(rule="one_fix", text=fix.value, message=message))
    if not findings:
        findings.extend(_two_named_fixes(fix))
    return findings


def _two_named_fixes(fix: BlockField) -> list[Finding]:
    """Flag a fix that names two catalog remedies ("spectral norm and halve D's lr")."""
    from .followup import find_fixes

    named = find_fixes(fix.value)
    if len(named) < 2:
        return []
    message = (
        f"fix combines {len(named)} changes ({', '.join(named)}). Keep only the "
        "first: the user applies one change, and the next comes after the retry wait."
    )
    return [Finding(rule="one_fix", text=fix.value, message=message)]


def check_prose_fix(outside: str) -> list[Finding]:
    """Flag prose outside the block that offers a second fix."""
    findings: list[Finding] = []
    sentences = _Sentences(outside)
    for pattern in phrases.PROSE_SECOND_FIX:
        for match in pattern.finditer(outside):
            sentence = sentences.around(match)
            message = (
                f"The text outside the block offers a second fix ({sentence!r}). "
                "Delete it: the answer gives exactly one fix, and the user "
                "returns for the next step after the retry wait."
            )
            findings.append(Finding(rule="one_fix", text=sentence, message=message))
    return _unique(findings)


def check_train_longer(text: str) -> list[Finding]:
    """Flag advice to train longer that no negation or retry wait explains."""
    findings: list[Finding] = []
    sentences = _Sentences(text)
    for pattern in (*phrases.TRAIN_LONGER, *phrases.WAIT_LONGER):
        for match in pattern.finditer(text):
            if sentences.negated(match):
                continue
            sentence = sentences.around(match)
            if pattern in phrases.WAIT_LONGER and _is_retry_wait(sentence):
                continue
            message = (
                f"The reply recommends training longer ({match.group(0)!r}) but "
                "failure is not the equilibrium mode. Remove that advice and "
                "give one concrete change in fix; waiting is the answer only at "
                "equilibrium."
            )
            findings.append(
                Finding(rule="train_longer", text=sentence, message=message)
            )
    return _unique(findings)


def _is_retry_wait(sentence: str) -> bool:
    return bool(
        phrases.RETRY_CUE.search(sentence) and phrases.EPOCH_COUNT.search(sentence)
    )


# The maximum length of a sentence quoted in a finding, in characters.
SENTENCE_MAX = 240
# How far from a phrase a negation may stand and still govern it, in
# characters: "rather than simply training for a few more epochs" fits.
NEGATION_REACH = 60


class _Sentences:
    """The sentences of one text, split once so that each lookup is a bisection."""

    def __init__(self, text: str) -> None:
        self.text = text
        boundaries = list(phrases.SENTENCE_END.finditer(text))
        self._starts = [boundary.start() for boundary in boundaries]
        self._ends = [boundary.end() for boundary in boundaries]

    def bounds(self, match: re.Match[str]) -> tuple[int, int]:
        """Return where the sentence that contains ``match`` starts and ends."""
        before = bisect.bisect_right(self._ends, match.start())
        start = self._ends[before - 1] if before else 0
        after = bisect.bisect_left(self._starts, match.end())
        end = self._ends[after] if after < len(self._ends) else len(self.text)
        return start, end

    def around(self, match: re.Match[str]) -> str:
        """Return the sentence that contains ``match``, whitespace collapsed.

        A sentence longer than ``SENTENCE_MAX`` characters is cut to a window
        around the match, so one run-on paragraph cannot flood the findings.
        """
        start, end = self.bounds(match)
        if end - start > SENTENCE_MAX:
            start = max(start, match.start() - SENTENCE_MAX // 3)
            end = min(end, start + SENTENCE_MAX)
        return collapse_whitespace(self.text[start:end])

    def negated(self, match: re.Match[str]) -> bool:
        """Tell whether a negation close by in the same sentence governs ``match``."""
        start, end = self.bounds(match)
        before = self.text[max(start, match.start() - NEGATION_REACH) : match.start()]
        after = self.text[match.end() : min(end, match.end() + NEGATION_REACH)]
        return bool(
            phrases.NEGATION_BEFORE.search(before)
            or phrases.NEGATION_AFTER.search(after)
        )


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.text not in seen:
            seen.add(finding.text)
            kept.append(finding)
    return kept


def check_no_match_items(reply: str, report: Report | None = None) -> list[Finding]:
    """Flag a no-match reply that does not request all three items.

    Accuracies the report already gives need not be requested again.
    """
    real = fake = False
    # Underscores join words in "d_accuracy_on_real", which would hide the
    # word "real" from a \b match.
    text = reply.replace("_", " ")
    for match in phrases.D_ACCURACY.finditer(text):
        window = text[match.end() : match.end() + 60]
        cut = phrases.SENTENCE_END.search(window)
        window = window[: cut.start()] if cut else window
        real = real or bool(phrases.REAL_WORD.search(window))
        fake = fake or bool(phrases.FAKE_WORD.search(window))
    grid = bool(phrases.SAMPLE_GRID.search(text))
    if report is not None:
        real = real or report.d_accuracy_on_real is not None
        fake = fake or report.d_accuracy_on_fake is not None
    missing = [
        item
        for item, asked in (
            ("d_accuracy_on_real", real),
            ("d_accuracy_on_fake", fake),
            ("a sample grid", grid),
        )
        if not asked
    ]
    if not missing:
        return []
    message = (
        "A no-match answer asks for d_accuracy_on_real, d_accuracy_on_fake and "
        f"a sample grid, but this reply does not ask for {', '.join(missing)}. "
        f"Ask for all three, e.g. in fix: {MODES['no_match'].fixes[0].text!r}"
    )
    return [Finding(rule="no_match_items", text=", ".join(missing), message=message)]


def drop_user_text(text: str, report: Report) -> str:
    """Blank out the user's own strings, so quoting them never breaks a rule."""
    # The longest string goes first, because notes may quote a trend. Blanking
    # the trend first would leave the rest of the notes behind as reply text.
    strings = (report.d_loss_trend, report.g_loss_trend, report.sample_notes)
    for user_text in sorted(strings, key=len, reverse=True):
        if user_text.strip():
            text = text.replace(user_text, " ").replace(
                collapse_whitespace(user_text), " "
            )
    return text
