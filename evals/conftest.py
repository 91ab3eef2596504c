"""Run the eval cases through the rule engine once per test session.

The tests in this folder use the same loader, backend and scorers as
``gan-triage eval --backend rules``, so a pytest failure and a CI gate failure
point at the same trial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gan_triage.evals.backends import RulesBackend
from gan_triage.evals.cases import load_cases
from gan_triage.evals.runner import run_eval
from gan_triage.evals.summary import summarize

EVALS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def rules_records() -> list[dict[str, Any]]:
    return run_eval(load_cases(EVALS), RulesBackend(), EVALS)


@pytest.fixture(scope="session")
def rules_summary(rules_records: list[dict[str, Any]]) -> dict[str, Any]:
    return summarize(rules_records, backend="rules")
