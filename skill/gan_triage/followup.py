"""Read a follow-up message: did the last fix help, what was tried, what is new.

A follow-up is what a user writes after an answer: "still the same after 10
epochs", "spectral norm didn't change anything", "d_accuracy_on_real 0.98,
d_accuracy_on_fake 0.97, samples: every image is the same blob", or a whole new
report. This module only reads the message; ``ladder`` decides what to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from .catalog import MODES, Fix
from .errors import InputError
from .followup_intent import (
    CANNOT_APPLY,
    is_acknowledgement,
    ruled_out_by_fact,
    split_questions,
    strip_preamble,
)
from .report import KNOWN_KEYS, parse_mapping_text

Outcome = Literal["not_fixed", "fixed"]
NO_MATCH = "no_match"

# "Did not help" wins over "helped" when both appear ("it helped a bit but it
# is still collapsing"), because the user came back with a problem.
NOT_FIXED = re.compile(
    r"\bstill\b"
    r"|\b(?:didn'?t|did not|doesn'?t|does not|hasn'?t|has not|won'?t)\s+"
    r"(?:help|work|change|fix|do anything|make (?:a|any) difference|improve)"
    r"|\bno (?:change|difference|improvement|effect|luck|better)\b"
    r"|\bnothing (?:changed|happened|helped)\b|\b(?:did|does|do) nothing\b"
    r"|\bunchanged\b|\bnot (?:yet )?(?:fixed|helping|working|better)\b"
    r"|\b(?:got|gets|getting|is|looks|became) worse\b|\bmade it worse\b"
    r"|\bsame (?:as before|problem|thing|picture|numbers|pattern)\b",
    re.IGNORECASE,
)
FIXED = re.compile(
    r"\b(?:fixed|solved|resolved|cured)\s+(?:it|the (?:problem|issue|run)|that)\b"
    r"|\b(?:it|that|this)\s+(?:worked|helped|did it|did the trick)\b"
    r"|\b(?:works|working|training well|trains well|converging) now\b"
    r"|\b(?:looks|is|are) (?:much |a lot )?better now\b"
    r"|\b(?:samples?|images|outputs|results?)\s+(?:look|looks|are|is|seem|seems)\s+"
    r"(?:much\s+|a\s+lot\s+|way\s+)?(?:better|fine|good|great|varied)(?:\s+now)?\b"
    r"|\bproblem (?:is )?gone\b",
    re.IGNORECASE,
)
# "I haven't tried it yet": the last fix was not applied, so it stays untried.
NOT_APPLIED = re.compile(
    r"\b(?:haven'?t|have not|didn'?t|did not|not|never)\s+(?:yet\s+)?"
    r"(?:tried|try|applied|apply|used|use|added|add|done|made)\b",
    re.IGNORECASE,
)
# The user is still waiting for the fix to show: nothing to report yet.
PENDING = re.compile(
    r"\bnot\s+yet\b(?!\s+(?:better|fixed|working|improved|helping))|\bstill\s+(?:training|running|waiting)\b"
    r"|\b(?:haven'?t|have\s+not|not)\s+finished\b|\bwaiting\s+for\b",
    re.IGNORECASE,
)
EPOCHS = re.compile(
    r"\b(?:after|for|another|over|in)\s+(\d+)\s+(?:more\s+)?epochs?\b", re.IGNORECASE
)
IMAGE_PATH = re.compile(
    r"(?<![\w/.~-])([\w./~\\-]*[\w-]\.(?:png|jpe?g|gif|webp|bmp|tiff?))\b",
    re.IGNORECASE,
)
NUMBER = r"(\d+(?:\.\d+)?\s*%|\d*\.\d+|\d+)"
LINK = r"\s*(?:is|was|of|at|=|:|~)?\s*"
ACCURACY = {
    "d_accuracy_on_real": (
        re.compile(rf"d_accuracy_on_real{LINK}{NUMBER}", re.IGNORECASE),
        re.compile(
            rf"\b(?:accuracy|acc)\s+(?:on\s+)?(?:the\s+)?reals?"
            rf"(?:\s+(?:samples|images|data))?{LINK}{NUMBER}",
            re.IGNORECASE,
        ),
        re.compile(rf"\breal\s+(?:accuracy|acc)\b{LINK}{NUMBER}", re.IGNORECASE),
    ),
    "d_accuracy_on_fake": (
        re.compile(rf"d_accuracy_on_fake{LINK}{NUMBER}", re.IGNORECASE),
        re.compile(
            rf"\b(?:accuracy|acc)\s+(?:on\s+)?(?:the\s+)?(?:fakes?|generated)"
            rf"(?:\s+(?:samples|images|data))?{LINK}{NUMBER}",
            re.IGNORECASE,
        ),
        re.compile(
            rf"\b(?:fake|generated)\s+(?:accuracy|acc)\b{LINK}{NUMBER}",
            re.IGNORECASE,
        ),
    ),
}
SAMPLES_LABEL = re.compile(
    r"(?:^|[,;]\s*|\.\s+)(?:sample_notes|samples?|sample notes)\s*[:=]\s*([^\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
SAMPLES_SENTENCE = re.compile(
    r"(?:^|(?<=[.!?;]\s))([^.!?;\n]*\b(?:samples?|images|outputs|grid)\s+"
    r"(?:look|looks|are|is|show|shows|seem|seems)\b[^.!?;\n]*)",
    re.IGNORECASE,
)
# Words showing that free text is about losses, so it may contain a new report.
LOSS_WORDS = re.compile(
    r"\b(?:d|g|disc|gen)[ _]?loss\b|\bloss[ _]?[dg]\b|\berr[dg]\b"
    r"|\bdiscriminator\b|\bgenerator\b|\bcritic\b|\bw_dist\b",
    re.IGNORECASE,
)
EVIDENCE_KEYS = (
    "sample_notes",
    "d_accuracy_on_real",
    "d_accuracy_on_fake",
    "d_x",
    "d_g_z",
    "loss_type",
    "g_objective",
    "epochs",
)


@dataclass(frozen=True)
class FollowUp:
    """What one follow-up message contains.

    ``fields`` contains the report fields found in the message: whole loss trends when
    it carries a new report, or only evidence (accuracies, sample notes) when
    it answers a request for more.
    """

    text: str
    outcome: Outcome | None = None
    named_fixes: tuple[str, ...] = ()
    # The user says the last fix was not applied yet.
    not_applied: bool = False
    # The message opens with "ok I did that" or "done": the last fix was applied.
    applied: bool = False
    # Sentences that only ask something, and the fixes they name. Neither counts
    # as a report that a fix was tried.
    questions: tuple[str, ...] = ()
    asked_fixes: tuple[str, ...] = ()
    # Fixes the user cannot apply ("I don't have labels"), and whether the last
    # fix is one of them ("I can't do that").
    ruled_out: tuple[str, ...] = ()
    ruled_out_last: bool = False
    # The whole message is "thanks" or "ok".
    acknowledged: bool = False
    epochs: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    grids: tuple[str, ...] = ()

    @property
    def has_losses(self) -> bool:
        """True when the message carries a loss trend, so it is a new report."""
        return any(key in self.fields for key in ("d_loss_trend", "g_loss_trend"))

    @property
    def has_evidence(self) -> bool:
        return any(key in self.fields for key in EVIDENCE_KEYS)

    @property
    def is_empty(self) -> bool:
        """True when nothing in the message could be read."""
        return not (
            self.outcome
            or self.named_fixes
            or self.not_applied
            or self.applied
            or self.questions
            or self.ruled_out
            or self.ruled_out_last
            or self.acknowledged
            or self.fields
            or self.grids
        )

    @property
    def only_asks(self) -> bool:
        """True when the message asks a question and reports nothing."""
        return bool(self.questions) and not (
            self.outcome
            or self.named_fixes
            or self.applied
            or self.ruled_out
            or self.ruled_out_last
            or self.fields
            or self.grids
        )


@cache
def _alias_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compile every fix alias as a whole-word pattern, longest first.

    The longest come first, so "wgan-gp" is read before its prefix "wgan", and "lower d
    lr" before "lower lr".
    """
    pairs: list[tuple[str, str]] = []
    for mode in MODES.values():
        # Asking for evidence is not a change to the run, so it is never tried.
        if mode.slug == NO_MATCH:
            continue
        for fix in mode.fixes:
            pairs.extend((alias.lower(), fix.slug) for alias in _names_of(fix))
    pairs.sort(key=lambda pair: -len(pair[0]))
    return tuple(
        (re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", re.IGNORECASE), slug)
        for alias, slug in pairs
    )


def _names_of(fix: Fix) -> tuple[str, ...]:
    names = [*fix.aliases, fix.slug, fix.slug.replace("_", " ")]
    # The catalog lists "halve" and "double the batch"; users also write
    # "halving" and "doubling the batch".
    for alias in list(names):
        first, _, rest = alias.partition(" ")
        if first.endswith("e") and first.isalpha() and len(first) > 3:
            names.append(" ".join(filter(None, (first[:-1] + "ing", rest))))
    return tuple(names)


def find_fixes(text: str) -> list[str]:
    """Return the slugs of the fixes ``text`` names, in order of first mention.

    A span of text counts once, for its longest alias, so "wgan-gp" names
    only the WGAN-GP fix.
    """
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for pattern, slug in _alias_patterns():
        for match in pattern.finditer(text):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue
            taken.append(span)
            found.append((span[0], slug))
    ordered: list[str] = []
    for _, slug in sorted(found):
        if slug not in ordered:
            ordered.append(slug)
    return ordered


def _clauses(text: str) -> list[str]:
    return [part for part in re.split(r"[.;!?\n]|\bbut\b", text) if part.strip()]


@dataclass
class _Attempts:
    """What a message's statements say about fixes."""

    tried: list[str] = field(default_factory=list)
    not_applied: bool = False
    ruled_out: list[str] = field(default_factory=list)
    ruled_out_last: bool = False


def _attempts(text: str) -> _Attempts:
    """Find the fixes reported as tried, not applied, or impossible to apply."""
    found = _Attempts()
    for clause in _clauses(text):
        named = find_fixes(clause)
        if CANNOT_APPLY.search(clause):
            found.ruled_out.extend(
                slug for slug in named if slug not in found.ruled_out
            )
            found.ruled_out_last = found.ruled_out_last or not named
            continue
        negated = NOT_APPLIED.search(clause)
        if negated and not NOT_FIXED.search(clause[negated.start() :]):
            found.not_applied = found.not_applied or not named
            continue
        found.tried.extend(slug for slug in named if slug not in found.tried)
    for slug in ruled_out_by_fact(text):
        if slug not in found.ruled_out:
            found.ruled_out.append(slug)
    return found


def _reports_nothing(question: str) -> bool:
    """True for a question that reports no outcome ("how do I add X?").

    "Why is it still collapsing after spectral norm?" is worded as a question
    but reports that spectral norm did not help, so it is read as a statement.
    """
    return not (NOT_FIXED.search(question) or FIXED.search(question))


def _outcome(text: str) -> Outcome | None:
    # "Not yet, still training" has no outcome: its "still" is about waiting.
    if PENDING.search(text):
        return None
    if NOT_FIXED.search(text):
        return "not_fixed"
    if FIXED.search(text):
        return "fixed"
    return None


def read_evidence(text: str) -> dict[str, Any]:
    """Read D's accuracies and a sample description from free text."""
    fields: dict[str, Any] = {}
    for key, patterns in ACCURACY.items():
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                fields[key] = match.group(1).replace(" ", "")
                break
    label = SAMPLES_LABEL.search(text)
    if label:
        fields["sample_notes"] = label.group(1).strip()
    else:
        # Paths hold dots that would end a sentence early, so they are masked,
        # and a sentence that points to an image is not a description of it.
        masked = IMAGE_PATH.sub("<image>", text)
        sentence = SAMPLES_SENTENCE.search(masked)
        if sentence and "<image>" not in sentence.group(1):
            fields["sample_notes"] = sentence.group(1).strip()
    return fields


def _mapping_fields(text: str) -> dict[str, Any] | None:
    """Report fields when the message is a YAML or JSON report; None for prose."""
    if not re.match(r"\s*(?:\{|---|[a-z_]+\s*:)", text):
        return None
    try:
        data = parse_mapping_text(text, "message")
    except InputError:
        return None
    if data is None:
        return None
    return {key: value for key, value in data.items() if key in KNOWN_KEYS}


def _prose_losses(text: str) -> dict[str, Any]:
    """Loss trends from free text, when the text talks about losses at all."""
    if not LOSS_WORDS.search(text):
        return {}
    from .freetext import parse_free_text

    try:
        data = parse_free_text(text, "message")
    except InputError:
        return {}
    reported = {
        key: value
        for key, value in data.items()
        if key in ("d_loss_trend", "g_loss_trend")
        and str(value).strip().lower() not in ("", "not reported")
    }
    return {**data, **reported} if reported else {}


def read_followup(text: str) -> FollowUp:
    """Read one follow-up message."""
    mapping = _mapping_fields(text)
    if mapping is not None:
        return FollowUp(text=text, fields=mapping)

    # The preamble is removed before the rest is read, so "ok I did that" is
    # never taken for a sample description or a loss trend.
    body, applied = strip_preamble(text)
    asking, stating = split_questions(body)
    questions = tuple(part for part in asking if _reports_nothing(part))
    statements = " ".join(
        [*stating, *(part for part in asking if part not in questions)]
    )
    asked = [slug for question in questions for slug in find_fixes(question)]

    fields = {**_prose_losses(body), **read_evidence(body)}
    # "The samples look better now" reports the outcome; it is no new
    # description to triage when it is all the message says about samples.
    notes = str(fields.get("sample_notes", ""))
    if not _prose_losses(body) and notes and FIXED.search(notes):
        del fields["sample_notes"]
    attempts = _attempts(statements)
    epochs = EPOCHS.search(statements)
    grids = tuple(dict.fromkeys(match.group(1) for match in IMAGE_PATH.finditer(body)))
    return FollowUp(
        text=text,
        outcome=_outcome(statements),
        named_fixes=tuple(attempts.tried),
        not_applied=attempts.not_applied or bool(PENDING.search(statements)),
        applied=applied,
        questions=questions,
        asked_fixes=tuple(dict.fromkeys(asked)),
        ruled_out=tuple(attempts.ruled_out),
        ruled_out_last=attempts.ruled_out_last,
        acknowledged=is_acknowledgement(text),
        epochs=int(epochs.group(1)) if epochs else None,
        fields=fields,
        grids=grids,
    )
