"""Run every case through a backend and keep everything about each reply.

A trial is one case under one reading. Its record contains the input, the reply,
the parsed block, the validator's findings, every score, tokens, latency and
which path answered, so a run can be re-scored or compared later without
running it again.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..block import repair_reply
from ..errors import InputError
from ..report import Report
from ..rules import diagnose
from ..validate import validate_reply
from .backends import Answer, Backend
from .cases import READINGS, Case, Reading, build_case_report
from .progress import Progress
from .replay import CacheMissError
from .scorers import SCORERS, Score, judge, score_all


def trials(
    cases: list[Case], backend: Backend, readings: tuple[Reading, ...] = READINGS
) -> list[tuple[Case, Reading]]:
    """List the (case, reading) pairs to run: labelled readings the backend covers."""
    return [
        (case, reading)
        for case in cases
        for reading in readings
        if reading in case.labels and backend.covers(case, reading)
    ]


def labelled_trials(cases: list[Case], readings: tuple[Reading, ...] = READINGS) -> int:
    """Count the labelled (case, reading) pairs: the trials a full run makes."""
    return sum(1 for case in cases for reading in readings if reading in case.labels)


def run_eval(
    cases: list[Case],
    backend: Backend,
    evals_dir: Path,
    readings: tuple[Reading, ...] = READINGS,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run and score every trial; return one record per trial."""
    planned = trials(cases, backend, readings)
    reports: dict[str, Report | InputError] = {}
    records = []
    for case, reading in planned:
        if case.id not in reports:
            try:
                reports[case.id] = build_case_report(case, evals_dir)
            except InputError as error:
                reports[case.id] = error
        records.append(_run_trial(case, reading, reports[case.id], backend))
        if progress is not None:
            progress.step(case.id)
    if progress is not None:
        progress.close()
    return records


def _base_record(case: Case, reading: Reading, backend: Backend) -> dict[str, Any]:
    return {
        "id": f"{case.id}#{reading}",
        "case_id": case.id,
        "set": case.set,
        "reading": reading,
        "backend": backend.name,
        "input": case.input.model_dump(exclude_defaults=True),
        "label": case.label(reading),
        "confidence": case.confidence,
        "tags": case.tags,
    }


def _unscored(reason: str, label_fails: bool) -> dict[str, dict[str, Any]]:
    scores = {name: _score_dict(Score(None, reason)) for name in SCORERS}
    if label_fails:
        scores["mode_label"] = _score_dict(Score(False, reason))
    return scores


def _score_dict(score: Score) -> dict[str, Any]:
    return {"value": score.value, "explanation": score.explanation}


def _run_trial(
    case: Case, reading: Reading, report: Report | InputError, backend: Backend
) -> dict[str, Any]:
    record = _base_record(case, reading, backend)
    if isinstance(report, InputError):
        # The tool rejects this input, so no mode is named: a labelled case
        # counts as wrong rather than silently dropping out.
        record["error"] = f"input rejected: {report}"
        record["scores"] = _unscored(record["error"], case.label(reading) is not None)
        return record

    record["report"] = {
        "d_loss_trend": report.d_loss_trend,
        "g_loss_trend": report.g_loss_trend,
        "sample_notes": report.sample_notes,
        "loss_type": report.loss_type,
        "g_objective": report.g_objective,
    }
    oracle = diagnose(report, strict=reading == "strict").failure
    record["oracle"] = oracle
    try:
        answer = backend.answer(case, report, reading)
    except CacheMissError as error:
        record["error"] = f"cache miss: {error}"
        record["scores"] = _unscored(record["error"], label_fails=False)
        return record

    judged = judge(case, reading, report, answer.reply, oracle)
    record.update(_answer_fields(answer, report))
    record.update(
        {
            "predicted": judged.predicted,
            "fix_slug": judged.fix_slug,
            "block": None if judged.block is None else judged.block.model_dump(),
            "block_error": judged.block_error,
            "findings": [finding.model_dump() for finding in judged.findings],
            "scores": {
                name: _score_dict(score) for name, score in score_all(judged).items()
            },
        }
    )
    return record


def _answer_fields(answer: Answer, report: Report) -> dict[str, Any]:
    first_rules = None
    if answer.replies and answer.source != "replies":
        # The final reply always passes (the loop re-asks or falls back), so
        # the raw first reply is what shows how well the model follows rules.
        first = validate_reply(repair_reply(answer.replies[0]), report)
        first_rules = sorted({finding.rule for finding in first})
    return {
        "reply": answer.reply,
        "replies": answer.replies,
        "source": answer.source,
        "model": answer.model,
        "fallback_reason": answer.fallback_reason,
        "model_calls": answer.model_calls,
        "http_requests": answer.http_requests,
        "usage": asdict(answer.usage),
        "latency_seconds": answer.latency_seconds,
        "first_reply_rules": first_rules,
    }
