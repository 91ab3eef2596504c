"""The rule engine on real public problem reports (tests/data/cases).

Each report carries two human labels: ``expected`` (the five original modes
applied strictly on the summed-BCE scale) and ``expected_expert`` (what a
careful practitioner concludes on the report's own loss scale). Labels are
judgements, some at low confidence, so the bar is an accuracy, plus every
high-confidence strict label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gan_triage.report import Report, build_report
from gan_triage.rules import diagnose
from gan_triage.validate import validate_reply

CASES = sorted((Path(__file__).parent / "data" / "cases").glob("report-*.yaml"))


def load(path: Path) -> tuple[dict[str, Any], Report]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = {
        key: case[key] for key in ("d_loss_trend", "g_loss_trend", "sample_notes")
    }
    if case.get("loss_type") not in (None, "unknown"):
        fields["loss_type"] = case["loss_type"]
    return case, build_report(fields, path.name)


def test_cases_present() -> None:
    assert len(CASES) >= 20


def test_strict_label_accuracy() -> None:
    hits = 0
    high_misses = []
    for path in CASES:
        case, report = load(path)
        failure = diagnose(report, strict=True).failure
        hits += failure == case["expected"]
        if case["confidence"] == "high" and failure != case["expected"]:
            high_misses.append((path.name, failure, case["expected"]))

    assert high_misses == []
    assert hits / len(CASES) >= 0.9


def test_expert_label_accuracy() -> None:
    misses = []
    for path in CASES:
        case, report = load(path)
        failure = diagnose(report).failure
        if failure != case["expected_expert"]:
            misses.append((path.name, failure, case["expected_expert"]))

    assert (len(CASES) - len(misses)) / len(CASES) >= 0.85, misses


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "expert"])
def test_rules_block_is_compliant(path: Path, strict: bool) -> None:
    _, report = load(path)

    diagnosis = diagnose(report, strict=strict)
    findings = validate_reply(diagnosis.block, report)

    assert findings == []


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_free_text_reads_like_fields(path: Path) -> None:
    # The chat-message form of a report should reach the same strict verdict
    # as its fields when the message carries the same numbers.
    from gan_triage.report import report_from_text

    case, fields_report = load(path)
    text_report = report_from_text(case["free_text"], path.name, prose=True)

    verdict = diagnose(text_report, strict=True).failure
    findings = validate_reply(diagnose(text_report).block, text_report)

    assert findings == []
    assert verdict in (case["expected"], diagnose(fields_report, strict=True).failure)
