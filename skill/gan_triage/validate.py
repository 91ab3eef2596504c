"""Check a model's reply against the [triage] rules.

``validate_reply`` is a pure function of the reply and the report. Each
finding names its rule, quotes the offending text and tells how to fix it, in
words a model can act on when the finding is sent back in a re-ask. Other code
keys on the rule ids, so they do not change.
"""

from __future__ import annotations

from . import reply_phrases as phrases
from .block import FIELD_NAMES, FoundBlock, TriageBlock, find_blocks, split_lines
from .catalog import MODES, Mode, mode_by_name
from .finding import RULE_IDS, Finding
from .report import Report
from .validate_evidence import check_numbers, check_samples
from .validate_wording import (
    check_fix_field,
    check_no_match_items,
    check_prose_fix,
    check_train_longer,
    drop_user_text,
)

__all__ = ["RULE_IDS", "Finding", "retry_epochs_of", "validate_reply"]


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
    outside = drop_user_text(_lines_outside(lines, blocks), report)
    findings.extend(check_prose_fix(outside))
    if mode is None or mode.slug != "equilibrium":
        scanned = _lines_outside(lines, [_retry_span(block)] if block else [])
        findings.extend(check_train_longer(drop_user_text(scanned, report)))
    if mode is not None and mode.slug == "no_match":
        findings.extend(check_no_match_items(reply, report))
    return sorted(findings, key=lambda finding: RULE_IDS.index(finding.rule))


def _check_block_values(
    block: FoundBlock, report: Report, findings: list[Finding]
) -> Mode | None:
    """Check each present, non-empty field; return the mode ``failure`` names."""
    mode: Mode | None = None
    failure = block.get("failure")
    if failure is not None and failure.value:
        # The parsed value, markup already unwrapped, is what the model loop
        # looks up too, so a name passes here only if the loop can map it.
        mode = mode_by_name(failure.value)
        if mode is None:
            findings.append(_failure_finding(failure.value))
    evidence = block.get("evidence")
    if evidence is not None and evidence.value:
        findings.extend(check_numbers(evidence.value, report))
        findings.extend(check_samples(evidence.value, report))
    fix = block.get("fix")
    if fix is not None and fix.value:
        findings.extend(check_fix_field(fix))
        if mode is not None:
            findings.extend(_check_fix_mode(fix.value, mode))
    retry = block.get("retry")
    if retry is not None and retry.value:
        findings.extend(_check_retry(retry.value, mode, report))
    return mode


def _check_fix_mode(fix: str, mode: Mode) -> list[Finding]:
    """Flag a fix that names another mode's remedy and none of this mode's.

    A fix in the model's own words that names no catalog fix passes: only a
    recognisable remedy from the wrong ladder is an error.
    """
    from .followup import find_fixes

    named = find_fixes(fix)
    own = {ladder_fix.slug for ladder_fix in mode.fixes}
    if not named or own.intersection(named):
        return []
    ladder = "; ".join(ladder_fix.text for ladder_fix in mode.fixes)
    message = (
        f"fix names {', '.join(named)}, which is not on the ladder of "
        f"{mode.name!r}. Give the first untried rung of that mode's ladder: {ladder}"
    )
    return [Finding(rule="fix_matches_mode", text=fix, message=message)]


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
    unit = "epoch" if example == 1 else "epochs"
    message = (
        f"retry {problem}. Write how many epochs to wait before triaging again "
        f"as one positive whole number, e.g. '{example} {unit}'."
    )
    return [Finding(rule="retry_epochs", text=text, message=message)]


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
