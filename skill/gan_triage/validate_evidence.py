"""Evidence checks: the user's numbers and sample notes, quoted as written."""

from __future__ import annotations

from .block import quote, sample_notes_given
from .evidence_numbers import (
    extra_report_numbers,
    number_tokens,
    reference_numbers,
    reported_numbers,
)
from .finding import Finding, collapse_whitespace
from .number_text import parse_number
from .report import Report


def check_numbers(evidence: str, report: Report) -> list[Finding]:
    """Check that evidence quotes every reported number and invents none."""
    found = number_tokens(evidence)
    required = reported_numbers(report)
    findings = [
        _missing_number(token, found, report)
        for token in required
        if token not in found
    ]

    allowed = {*required, *reference_numbers(), *extra_report_numbers(report)}
    for token in dict.fromkeys(found):
        if token not in allowed:
            message = (
                f"evidence contains {token}, which the user did not report and "
                "which is not a reference value of the catalog. Remove it, "
                "because evidence quotes the user's numbers exactly as written."
            )
            findings.append(
                Finding(rule="verbatim_numbers", text=token, message=message)
            )
    return findings


def _missing_number(token: str, found: list[str], report: Report) -> Finding:
    field, quoted = _source(token, report)
    rewritten = [other for other in found if _same_value(other, token)]
    instead = f" It writes {rewritten[0]} instead." if rewritten else ""
    message = (
        f"evidence does not contain the number {token} as the user wrote it in "
        f"{field}.{instead} Quote the user's text character for character, "
        f"without rounding or reformatting any number: {quoted}"
    )
    return Finding(rule="verbatim_numbers", text=token, message=message)


def _source(token: str, report: Report) -> tuple[str, str]:
    """Name the report field that contains ``token`` and how to quote it."""
    if token in number_tokens(report.d_loss_trend):
        return "d_loss_trend", f"d_loss {quote(report.d_loss_trend)}"
    if token in number_tokens(report.g_loss_trend):
        return "g_loss_trend", f"g_loss {quote(report.g_loss_trend)}"
    return "sample_notes", f"samples {quote(report.sample_notes)}"


def _same_value(first: str, second: str) -> bool:
    """Tell whether two tokens spell one number ("0.5" and "0.50", "0,9" and "0.9")."""
    try:
        return parse_number(first) == parse_number(second)
    except ValueError:
        return False


def check_samples(evidence: str, report: Report) -> list[Finding]:
    """Check that evidence contains the user's sample notes unchanged."""
    if not sample_notes_given(report):
        return []
    if collapse_whitespace(report.sample_notes) in collapse_whitespace(evidence):
        return []
    message = (
        "evidence does not quote the user's sample notes verbatim. Include them "
        f"unchanged, as: samples {quote(report.sample_notes)}"
    )
    return [Finding(rule="samples_quoted", text=report.sample_notes, message=message)]
