"""Model-backed triage: call, repair, parse, validate, one re-ask, then fall back.

The model answers first. Its reply is repaired (layout only), parsed and
checked by the validator, and its fix is checked against the fixes already
tried. A reply with findings gets exactly one re-ask in the same conversation,
listing the findings. When the second reply still fails, or
the API fails, refuses, or cuts the reply off at max_tokens, the rule engine
answers. Every path ends in a block that passes the validator, and the outcome
records which path answered and why.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from . import catalog
from .block import TriageBlock, parse_block, render_block, repair_reply
from .client import (
    Message,
    ModelAPIError,
    ModelClient,
    ModelReply,
    Usage,
    resolve_model,
)
from .errors import BlockError
from .followup import find_fixes
from .ladder import fix_slug_of
from .render import (
    FindingText,
    render_reask,
    render_system_prompt,
    render_user_message,
)
from .report import Report
from .rules import Diagnosis, diagnose
from .validate import Finding, retry_epochs_of, validate_reply

logger = logging.getLogger(__name__)

Source = Literal["model", "model_after_reask", "rules"]

# The first call plus one re-ask. Each call resends the whole conversation, and
# the rule engine is a sound answer, so a third try is not worth its cost.
MAX_ATTEMPTS = 2


@dataclass
class ModelOutcome:
    """The final block, which path produced it, and what the calls cost.

    ``rules_failure`` is the rule engine's mode slug when the model named a
    different mode, kept as a second opinion. ``findings`` lists the rule ids
    of the last failed validation, and ``last_reply`` the last model reply that
    was not used. ``model_calls`` counts the loop's calls to the model (the
    first and any re-ask); ``http_requests`` counts the HTTP requests behind
    them, which is higher when the SDK retried a call.
    """

    text: str
    block: TriageBlock
    source: Source
    model: str
    diagnosis: Diagnosis
    fallback_reason: str | None = None
    rules_failure: str | None = None
    model_calls: int = 0
    http_requests: int = 0
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0
    findings: list[str] = field(default_factory=list)
    last_reply: str | None = None

    @property
    def failure_slug(self) -> str | None:
        """The catalog slug of the block's failure name, if it names a mode."""
        mode = catalog.mode_by_name(self.block.failure)
        return None if mode is None else mode.slug


@dataclass
class _Conversation:
    """The turns so far, and the running totals of the calls made."""

    client: ModelClient
    system: str
    messages: list[Message]
    model_calls: int = 0
    http_requests: int = 0
    usage: Usage = field(default_factory=Usage)
    latency_seconds: float = 0.0
    last_reply: str | None = None

    def send(self) -> ModelReply:
        self.model_calls += 1
        try:
            reply = self.client.send(self.system, self.messages)
        except ModelAPIError as error:
            self.http_requests += error.http_requests
            raise
        self.http_requests += reply.http_requests
        self.last_reply = reply.text
        self.usage = self.usage + reply.usage
        self.latency_seconds += reply.latency_seconds
        logger.debug(
            "attempt %d: stop_reason=%s http_requests=%d input_tokens=%d "
            "output_tokens=%d cache_read=%d cache_write=%d latency=%.2fs",
            self.model_calls,
            reply.stop_reason,
            reply.http_requests,
            reply.usage.input_tokens,
            reply.usage.output_tokens,
            reply.usage.cache_read_input_tokens,
            reply.usage.cache_creation_input_tokens,
            reply.latency_seconds,
        )
        return reply


class _Fallback(Exception):
    """Raised inside the loop to hand the answer to the rule engine."""

    def __init__(self, reason: str, findings: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.findings = list(findings)


def run_model_triage(
    report: Report,
    *,
    model: str | None = None,
    client: ModelClient | None = None,
    strict: bool = False,
    tried: Sequence[str] = (),
) -> ModelOutcome:
    """Triage ``report`` with the model, falling back to the rule engine.

    ``client`` defaults to an AnthropicClient for ``model`` (see
    ``client.resolve_model``). ``tried`` lists fix slugs already tried, and the
    report's ``fixes_already_tried`` join them.
    """
    tried = list(dict.fromkeys([*report.fixes_already_tried, *tried]))
    diagnosis = diagnose(report, strict=strict, tried=tried)
    model_id = client.model if client is not None else resolve_model(model)
    try:
        client = client or _default_client(model_id)
    except ModelAPIError as error:
        logger.debug("client setup failed: %s", error)
        return _rules_outcome(report, diagnosis, model_id, error.reason, None)

    conversation = _Conversation(
        client=client,
        system=render_system_prompt(strict=strict),
        messages=[{"role": "user", "content": render_user_message(report, tried)}],
    )
    try:
        block, source = _ask(conversation, report, tried, diagnosis.fix)
    except _Fallback as fallback:
        logger.debug("falling back to the rule engine: %s", fallback.reason)
        return _rules_outcome(
            report,
            diagnosis,
            model_id,
            fallback.reason,
            conversation,
            fallback.findings,
        )

    outcome = ModelOutcome(
        text=render_block(block),
        block=block,
        source=source,
        model=model_id,
        diagnosis=diagnosis,
        model_calls=conversation.model_calls,
        http_requests=conversation.http_requests,
        usage=conversation.usage,
        latency_seconds=conversation.latency_seconds,
    )
    if outcome.failure_slug != diagnosis.failure:
        outcome.rules_failure = diagnosis.failure
        logger.debug(
            "model and rules disagree: model %s, rules %s",
            outcome.failure_slug,
            diagnosis.failure,
        )
    return outcome


def _default_client(model: str) -> ModelClient:
    from .client import AnthropicClient

    return AnthropicClient(model)


def _ask(
    conversation: _Conversation,
    report: Report,
    tried: Sequence[str],
    next_fix: str,
) -> tuple[TriageBlock, Source]:
    """Run the first call and at most one re-ask; raise _Fallback on failure.

    ``next_fix`` is the rule engine's first untried fix, offered in the re-ask
    when a reply repeats a fix in ``tried``.
    """
    findings: list[Finding] = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        reply = _send(conversation)
        repaired = repair_reply(reply.text)
        findings = validate_reply(repaired, report)
        findings.extend(_repeated_fix_findings(repaired, tried, next_fix))
        if not findings:
            block = _parse(repaired)
            return block, "model" if attempt == 1 else "model_after_reask"
        logger.debug("attempt %d failed validation: %s", attempt, _rule_ids(findings))
        conversation.messages.append({"role": "assistant", "content": reply.text})
        conversation.messages.append(
            {"role": "user", "content": render_reask(_finding_texts(findings))}
        )
    rules = _rule_ids(findings)
    raise _Fallback(f"validation failed twice: {', '.join(rules)}", rules)


def _repeated_fix_findings(
    repaired: str, tried: Sequence[str], next_fix: str
) -> list[Finding]:
    """Flag a reply whose fix names a fix that was already tried.

    The validator checks a reply against the report alone, and the fixes given
    with ``--tried`` or tried earlier in a run are not part of it. A fix that
    mentions a tried fix only to set it aside is flagged as well, so the
    re-ask requests the untried fix on its own.
    """
    if not tried:
        return []
    try:
        block = parse_block(repaired)
    except BlockError:
        # The validator has already reported the missing or broken block.
        return []
    repeated = [slug for slug in find_fixes(block.fix) if slug in tried]
    if not repeated:
        return []
    message = (
        f"The fix repeats {', '.join(repeated)}, which the user already tried. "
        f"Give the next untried rung instead: {next_fix}"
    )
    return [Finding(rule="fix_matches_mode", text=block.fix, message=message)]


def _send(conversation: _Conversation) -> ModelReply:
    try:
        reply = conversation.send()
    except ModelAPIError as error:
        raise _Fallback(error.reason) from None
    # A refusal or a cut-off reply is not a rule broken, so a re-ask showing
    # findings would not help; the rule engine answers at once.
    if reply.stop_reason == "refusal":
        raise _Fallback("refusal")
    if reply.stop_reason == "max_tokens":
        raise _Fallback("reply cut off at max_tokens")
    return reply


def _parse(repaired: str) -> TriageBlock:
    try:
        return parse_block(repaired)
    except BlockError as error:
        # The validator passed the reply, so this means the two disagree about
        # what a block is; the rule engine's answer is the safe one.
        raise _Fallback(f"no block: {error}") from None


def _rules_outcome(
    report: Report,
    diagnosis: Diagnosis,
    model: str,
    reason: str,
    conversation: _Conversation | None,
    findings: Sequence[str] = (),
) -> ModelOutcome:
    block = parse_block(diagnosis.block)
    leftover = validate_reply(diagnosis.block, report)
    if leftover:
        # Nothing better is left to answer with, so the block is still used.
        logger.warning(
            "the rule engine's block fails the validator: %s", _rule_ids(leftover)
        )
    return ModelOutcome(
        text=diagnosis.block,
        block=block,
        source="rules",
        model=model,
        diagnosis=diagnosis,
        fallback_reason=reason,
        model_calls=0 if conversation is None else conversation.model_calls,
        http_requests=0 if conversation is None else conversation.http_requests,
        usage=Usage() if conversation is None else conversation.usage,
        latency_seconds=0.0 if conversation is None else conversation.latency_seconds,
        findings=list(findings),
        last_reply=None if conversation is None else conversation.last_reply,
    )


def _rule_ids(findings: Sequence[Finding]) -> list[str]:
    return sorted({finding.rule for finding in findings})


def _finding_texts(findings: Sequence[Finding]) -> list[FindingText]:
    return [FindingText(finding.rule, finding.message) for finding in findings]


def answer_with_model(report: Report, args: argparse.Namespace) -> int:
    """Print the model-backed answer for the ``triage`` verb and return 0.

    The block (or JSON with ``--json``) goes to stdout. Which path answered,
    any fallback reason and the rule engine's differing reading go to stderr.
    """
    from .commands_triage import resolve_tried_flags

    tried = [*report.fixes_already_tried, *resolve_tried_flags(args.tried)]
    outcome = run_model_triage(
        report, model=args.model, strict=args.strict, tried=tried
    )
    for warning in outcome.diagnosis.warnings:
        print(f"gan-triage: note: {warning}", file=sys.stderr)
    for note in outcome_notes(outcome):
        print(f"gan-triage: note: {note}", file=sys.stderr)
    if args.json:
        payload = outcome_payload(outcome, report)
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(outcome.text)
    return 0


def outcome_notes(outcome: ModelOutcome) -> list[str]:
    """Describe which path answered, for stderr."""
    if outcome.source == "rules":
        notes = [
            f"the model ({outcome.model}) was not used: {outcome.fallback_reason}; "
            "answered with the rule engine"
        ]
        return notes
    notes = [f"answered by {outcome.model}" + _reask_note(outcome)]
    if outcome.rules_failure is not None:
        second = catalog.mode(outcome.rules_failure).name
        notes.append(f"second opinion: the rule engine reads this as {second}")
    return notes


def _reask_note(outcome: ModelOutcome) -> str:
    return " after one re-ask" if outcome.source == "model_after_reask" else ""


def outcome_payload(outcome: ModelOutcome, report: Report) -> dict[str, Any]:
    """Build the JSON form of a model-backed answer.

    It has every key of the rule engine's JSON, so a script reads the same
    keys whichever path answered, plus the model's own keys. ``failure``,
    ``evidence``, ``fix``, ``retry`` and the keys derived from them describe
    the answer that was printed. ``fix_slug`` is the catalog fix that the fix
    line names (null when it names none) and ``retry_epochs`` the wait its
    retry line states (null when it states no single count). ``scale``,
    ``strict``, ``candidates`` and ``report`` are the rule engine's reading of
    the report, whichever path answered.
    """
    from .commands_triage import diagnosis_payload

    payload = diagnosis_payload(outcome.diagnosis, report, source=outcome.source)
    payload.update(
        {
            "failure": outcome.failure_slug,
            "failure_name": outcome.block.failure,
            "evidence": outcome.block.evidence,
            "fix": outcome.block.fix,
            "fix_slug": fix_slug_of(outcome.block.fix),
            "retry": outcome.block.retry,
            "retry_epochs": retry_epochs_of(outcome.block),
            **_model_fields(outcome),
        }
    )
    return payload


def _model_fields(outcome: ModelOutcome) -> dict[str, Any]:
    usage = outcome.usage
    return {
        "source": outcome.source,
        "model": outcome.model,
        "fallback_reason": outcome.fallback_reason,
        "rules_failure": outcome.rules_failure,
        "model_calls": outcome.model_calls,
        "http_requests": outcome.http_requests,
        "latency_seconds": round(outcome.latency_seconds, 3),
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens,
            "cache_read_input_tokens": usage.cache_read_input_tokens,
        },
    }
