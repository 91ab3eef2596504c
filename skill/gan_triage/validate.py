"""Check a model's reply against the [triage] rules.

``validate_reply`` is a pure function of the reply and the report. Each
finding names its rule, quotes the offending text and tells how to fix it, in
words a model can act on when the finding is sent back in a re-ask. Other code
keys on the rule ids, so they do not change.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from . import reply_phrases as phrases
from .block import (
    FIELD_NAMES,
    BlockField,
    FoundBlock,
    TriageBlock,
    find_blocks,
    quote,
    sample_notes_given,
    split_lines,
)
from .catalog import MODES, Mode, mode_by_name
from .evidence_numbers import (
    extra_report_numbers,
    number_tokens,
    reference_numbers,
    reported_numbers,
)
from .report import Report

RULE_IDS = (
    "one_block",
    "fields",
    "failure_name",
    "verbatim_numbers",
    "samples_quoted",
    "one_fix",
    "train_longer",
    "retry_epochs",
    "no_match_items",
)


class Finding(BaseModel):
    """One broken rule: its id, the offending text, and how to fix it."""

    rule: str
    text: str
    message: str


def validate_reply(reply: str, report: Report) -> list[Finding]:
    """Return every rule the reply breaks; an empty list means compliant."""
    blocks = find_blocks(reply)
    findings = _check_one_block(blocks)
    block = blocks[0] if blocks else None
    mode: Mode | None = None
    if block is not None:
        findings.extend(_check_fields(block))
        mode = _check_block_values(block, report, findings)

    lines = split_lines(reply)
    outside = _drop_user_text(_lines_outside(lines, blocks), report)
    findings.extend(_check_prose_fix(outside))
    if mode is None or mode.slug != "equilibrium":
        scanned = _lines_outside(lines, [_retry_span(block)] if block else [])
        findings.extend(_check_train_longer(_drop_user_text(scanned, report)))
    if mode is not None and mode.slug == "no_match":
        findings.extend(_check_no_match_items(reply))
    return sorted(findings, key=lambda finding: RULE_IDS.index(finding.rule))


def _check_block_values(
    block: FoundBlock, report: Report, findings: list[Finding]
) -> Mode | None:
    """Check each present, non-empty field; return the mode ``failure`` names."""
    mode: Mode | None = None
    failure = block.get("failure")
    if failure is not None and failure.value:
        mode = mode_by_name(_strip_markup(failure.value))
        if mode is None:
            findings.append(_failure_finding(failure.value))
    evidence = block.get("evidence")
    if evidence is not None and evidence.value:
        findings.extend(_check_numbers(evidence.value, report))
        findings.extend(_check_samples(evidence.value, report))
    fix = block.get("fix")
    if fix is not None and fix.value:
        findings.extend(_check_fix_field(fix))
    retry = block.get("retry")
    if retry is not None and retry.value:
        findings.extend(_check_retry(retry.value, mode, report))
    return mode


def _check_one_block(blocks: list[FoundBlock]) -> list[Finding]:
    if not blocks:
        return [
            Finding(
                rule="one_block",
                text="",
                message=(
                    "The reply has no [triage] block. Add one: a line '[triage]', "
                    "then the lines 'failure:', 'evidence:', 'fix:' and 'retry:', "
                    "each with its value after the colon."
                ),
            )
        ]
    if len(blocks) > 1:
        return [
            Finding(
                rule="one_block",
                text=f"{len(blocks)} blocks",
                message=(
                    f"The reply has {len(blocks)} [triage] blocks. Keep exactly "
                    "one and delete the others, because the answer names one "
                    "failure mode with one fix."
                ),
            )
        ]
    return []


def _check_fields(block: FoundBlock) -> list[Finding]:
    findings: list[Finding] = []
    names = [entry.name for entry in block.fields]
    expected = ", ".join(FIELD_NAMES)
    for name in FIELD_NAMES:
        count = names.count(name)
        if count == 0:
            message = (
                f"The block has no '{name}:' line. Add it: the block holds the "
                f"fields {expected}, in that order, one per line."
            )
            findings.append(Finding(rule="fields", text="", message=message))
        elif count > 1:
            message = (
                f"'{name}:' appears {count} times. Keep one '{name}:' line, "
                "because the block holds each field once."
            )
            findings.append(Finding(rule="fields", text=name, message=message))
    present = list(dict.fromkeys(names))
    if present != [name for name in FIELD_NAMES if name in present]:
        message = (
            f"The fields are in the order {', '.join(present)}. Write them in "
            f"the order {expected}."
        )
        findings.append(
            Finding(rule="fields", text=", ".join(present), message=message)
        )
    for entry in block.fields:
        if not entry.value:
            message = f"'{entry.name}:' is empty. Write its value after the colon."
            findings.append(Finding(rule="fields", text=entry.name, message=message))
    for extra in block.extras:
        message = (
            f"'{extra.name}:' is not a field of the [triage] block. Remove it "
            f"from the block; the block holds only {expected}."
        )
        text = f"{extra.name}: {extra.value}".strip()
        findings.append(Finding(rule="fields", text=text, message=message))
    return findings


def _strip_markup(value: str) -> str:
    return value.strip().strip("*`\"'").strip().rstrip(".")


def _failure_finding(value: str) -> Finding:
    names = "; ".join(mode.name for mode in MODES.values() if mode.slug != "no_match")
    return Finding(
        rule="failure_name",
        text=value,
        message=(
            f"failure {value!r} is not a failure mode of the catalog. Write one "
            f"mode name exactly as listed: {names}; or write 'No match' when "
            "no mode fits."
        ),
    )


def _check_numbers(evidence: str, report: Report) -> list[Finding]:
    findings: list[Finding] = []
    found = number_tokens(evidence)
    required = reported_numbers(report)
    for token in required:
        if token not in found:
            source = _source_field(token, report)
            message = (
                f"evidence does not contain the number {token} that the user "
                f"wrote in {source}. Quote d_loss_trend, g_loss_trend and "
                "sample_notes character for character, without rounding or "
                "reformatting any number (0.50 stays 0.50, 1e-4 stays 1e-4)."
            )
            findings.append(
                Finding(rule="verbatim_numbers", text=token, message=message)
            )
    allowed = {*required, *reference_numbers(), *extra_report_numbers(report)}
    for token in dict.fromkeys(found):
        if token not in allowed:
            message = (
                f"evidence contains {token}, which the user did not report and "
                "which is not a reference value of the catalog. Remove it; "
                "evidence quotes the user's numbers exactly as written."
            )
            findings.append(
                Finding(rule="verbatim_numbers", text=token, message=message)
            )
    return findings


def _source_field(token: str, report: Report) -> str:
    if token in number_tokens(report.d_loss_trend):
        return "d_loss_trend"
    if token in number_tokens(report.g_loss_trend):
        return "g_loss_trend"
    return "sample_notes"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _check_samples(evidence: str, report: Report) -> list[Finding]:
    if not sample_notes_given(report):
        return []
    if _collapse(report.sample_notes) in _collapse(evidence):
        return []
    message = (
        "evidence does not quote the user's sample notes verbatim. Include them "
        f"unchanged, as: samples {quote(report.sample_notes)}"
    )
    return [Finding(rule="samples_quoted", text=report.sample_notes, message=message)]


def _check_fix_field(fix: BlockField) -> list[Finding]:
    findings: list[Finding] = []
    for pattern in phrases.FIX_ALTERNATIVES:
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
    return findings


def _check_prose_fix(outside: str) -> list[Finding]:
    findings: list[Finding] = []
    for pattern in phrases.PROSE_SECOND_FIX:
        for match in pattern.finditer(outside):
            sentence = _sentence(outside, match)
            message = (
                f"The text outside the block offers a second fix ({sentence!r}). "
                "Delete it: the answer gives exactly one fix, and the user "
                "returns for the next step after the retry wait."
            )
            findings.append(Finding(rule="one_fix", text=sentence, message=message))
    return _unique(findings)


def _check_train_longer(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for pattern in (*phrases.TRAIN_LONGER, *phrases.WAIT_LONGER):
        for match in pattern.finditer(text):
            if _negated(text, match):
                continue
            sentence = _sentence(text, match)
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


def _negated(text: str, match: re.Match[str]) -> bool:
    start, end = _sentence_bounds(text, match)
    before = text[start : match.start()]
    after = text[match.end() : end]
    return bool(
        phrases.NEGATION_BEFORE.search(before) or phrases.NEGATION_AFTER.search(after)
    )


def _sentence_bounds(text: str, match: re.Match[str]) -> tuple[int, int]:
    start = 0
    for boundary in phrases.SENTENCE_END.finditer(text, 0, match.start()):
        start = boundary.end()
    following = phrases.SENTENCE_END.search(text, match.end())
    end = following.end() if following else len(text)
    return start, end


def _sentence(text: str, match: re.Match[str]) -> str:
    start, end = _sentence_bounds(text, match)
    return _collapse(text[start:end])


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.text not in seen:
            seen.add(finding.text)
            kept.append(finding)
    return kept


def retry_epochs_of(block: TriageBlock) -> int | None:
    """Return the epochs to wait that ``retry`` states, when it is one positive
    whole number, and None otherwise."""
    epochs, _problem = _read_retry(block.retry)
    return epochs


def _read_retry(text: str) -> tuple[int | None, str | None]:
    """Read the epoch count from a retry value, or describe what is wrong with it."""
    if phrases.RETRY_RANGE.search(text):
        return None, "gives a range of epochs; write one whole number"
    counts = [
        match.group("count").lower() for match in phrases.RETRY_EPOCHS.finditer(text)
    ]
    if not counts:
        return None, "does not state a number of epochs"
    values: set[int] = set()
    for count in counts:
        if count in phrases.WORD_NUMBERS:
            values.add(phrases.WORD_NUMBERS[count])
        elif "." in count and float(count) != int(float(count)):
            return None, f"says {count} epochs, which is not a whole number"
        else:
            values.add(int(float(count)))
    if len(values) > 1:
        listed = ", ".join(str(value) for value in sorted(values))
        return None, f"names several epoch counts ({listed}); write one"
    (epochs,) = values
    if epochs <= 0:
        return None, f"says {epochs} epochs; the wait must be at least 1 epoch"
    return epochs, None


def _check_retry(text: str, mode: Mode | None, report: Report) -> list[Finding]:
    _epochs, problem = _read_retry(text)
    if problem is None:
        return []
    example = mode.retry.epochs(report.epochs) if mode is not None else 5
    message = (
        f"retry {problem}. Write how many epochs to wait before triaging again "
        f"as one positive whole number, e.g. '{example} epochs'."
    )
    return [Finding(rule="retry_epochs", text=text, message=message)]


def _check_no_match_items(reply: str) -> list[Finding]:
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


def _retry_span(block: FoundBlock) -> FoundBlock:
    """Return the line span of the block's retry field (empty when absent)."""
    retry = block.get("retry")
    if retry is None:
        return FoundBlock(start=0, end=0)
    later = [
        entry.line
        for entry in (*block.fields, *block.extras)
        if entry.line > retry.line
    ]
    return FoundBlock(start=retry.line, end=min(later, default=block.end))


def _lines_outside(lines: list[str], spans: list[FoundBlock]) -> str:
    inside: set[int] = set()
    for span in spans:
        inside.update(range(span.start, span.end))
    return "\n".join(line for index, line in enumerate(lines) if index not in inside)


def _drop_user_text(text: str, report: Report) -> str:
    """Blank out the user's own strings, so quoting them never breaks a rule."""
    for user_text in (report.d_loss_trend, report.g_loss_trend, report.sample_notes):
        if user_text.strip():
            text = text.replace(user_text, " ").replace(_collapse(user_text), " ")
    return text
