"""Aggregate per-trial records into the run's summary.

Accuracy is the share of labelled trials whose named mode equals the label,
per set and reading (``real/expert``). In a model run (``anthropic`` or
``replay``) the headline ``accuracy`` is the model's own: a trial that fell
back to the rule engine counts as not answered by the model, however right the
rule engine was. The final answer's accuracy, which includes those fallbacks,
is kept beside it as ``final_answer_accuracy``, with the fallback rate per set.

The summary also contains per-mode accuracy (of the final answer), a confusion
matrix, pass rates per scorer and per validator rule, re-ask and fallback
rates, tokens, an estimated cost and latency percentiles.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from ..validate import RULE_IDS
from .scorers import SCORERS

# Backends whose replies come from the model loop, and the sources in their
# records that mean the model's own reply was used.
MODEL_BACKENDS = ("anthropic", "replay")
MODEL_ANSWERS = ("model", "model_after_reask")


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens, used only for the cost estimate.

    The defaults are Anthropic's list prices for Sonnet-class models: 3 for
    input and 15 for output. Cache writes bill at 1.25x and cache reads at 0.1x
    the input price. Pass the current prices for the model in use.
    """

    input: float = 3.0
    output: float = 15.0

    def cost(self, usage: dict[str, int]) -> float:
        tokens = (
            usage.get("input_tokens", 0) * self.input
            + usage.get("cache_creation_input_tokens", 0) * self.input * 1.25
            + usage.get("cache_read_input_tokens", 0) * self.input * 0.1
            + usage.get("output_tokens", 0) * self.output
        )
        return tokens / 1_000_000


def rate(passed: int, total: int) -> float | None:
    return None if total == 0 else round(passed / total, 4)


def percentile(values: list[float], share: float) -> float | None:
    """Return the nearest-rank percentile, the smallest value with ``share`` of
    the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _tally(
    records: list[dict[str, Any]], key: str, model_only: bool = False
) -> dict[str, dict[str, Any]]:
    """Count label correctness, grouped by the record value ``key`` returns.

    With ``model_only``, a trial counts as correct only when the model's own
    reply was used and named the label.
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        value = record["scores"]["mode_label"]["value"]
        if value is None:
            continue
        if model_only and record.get("source") not in MODEL_ANSWERS:
            value = False
        group = counts[_group(record, key)]
        group[0] += int(value)
        group[1] += 1
    return {
        name: {"correct": correct, "scored": scored, "accuracy": rate(correct, scored)}
        for name, (correct, scored) in sorted(counts.items())
    }


def _group(record: dict[str, Any], key: str) -> str:
    if key == "set":
        return f"{record['set']}/{record['reading']}"
    if key == "source":
        # A fallback's reply comes from the rule engine, so a model run's accuracy
        # is read per answering path as well as overall.
        return f"{record['reading']}/{record.get('source') or 'none'}"
    return f"{record['reading']}/{record['label']}"


def _confusion(records: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, int]]]:
    matrix: dict[str, dict[str, Counter[str]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for record in records:
        if record["label"] is None:
            continue
        predicted = record.get("predicted") or "(none)"
        matrix[record["reading"]][record["label"]][predicted] += 1
    return {
        reading: {label: dict(row) for label, row in sorted(rows.items())}
        for reading, rows in sorted(matrix.items())
    }


def _scorer_rates(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rates = {}
    for name in SCORERS:
        values = [r["scores"][name]["value"] for r in records]
        applicable = [value for value in values if value is not None]
        passed = sum(1 for value in applicable if value)
        rates[name] = {
            "passed": passed,
            "applicable": len(applicable),
            "rate": rate(passed, len(applicable)),
        }
    return rates


def _rule_rates(records: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Per validator rule, the share of checked replies that pass it."""
    checked = [r for r in records if r.get(key) is not None]
    rates = {}
    for rule in RULE_IDS:
        broken = sum(1 for r in checked if rule in _rules_of(r, key))
        passed = len(checked) - broken
        rates[rule] = {
            "passed": passed,
            "checked": len(checked),
            "rate": rate(passed, len(checked)),
        }
    return rates


def _rules_of(record: dict[str, Any], key: str) -> set[str]:
    if key == "findings":
        return {finding["rule"] for finding in record["findings"]}
    return set(record[key])


def _fallback_rates(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per set and reading, the share of answered trials the rule engine answered."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        if "source" not in record:
            continue
        group = counts[_group(record, "set")]
        group[0] += int(record["source"] not in MODEL_ANSWERS)
        group[1] += 1
    return {
        name: {
            "fallbacks": fallen,
            "answered": answered,
            "rate": rate(fallen, answered),
        }
        for name, (fallen, answered) in sorted(counts.items())
    }


def _model_stats(
    records: list[dict[str, Any]], prices: Prices, model_run: bool
) -> dict[str, Any]:
    answered = [r for r in records if "source" in r]
    # Every answered trial of a model run went through the model loop, even one
    # whose client could not be set up and so made no call.
    model = answered if model_run else []
    sources = Counter(r["source"] for r in answered)
    reasons = Counter(r["fallback_reason"] for r in answered if r["fallback_reason"])

    reasked = sum(1 for r in model if r.get("model_calls", 0) > 1)
    fallen = sum(1 for r in model if r["source"] not in MODEL_ANSWERS)

    usage: Counter[str] = Counter()
    for record in answered:
        usage.update(record["usage"])
    count = len(answered)
    cost = sum(prices.cost(r["usage"]) for r in answered)
    latencies = [r["latency_seconds"] for r in answered]

    return {
        "sources": dict(sources),
        "model_trials": len(model),
        "model_answered": len(model) - fallen,
        "reask_rate": rate(reasked, len(model)),
        "fallback_rate": rate(fallen, len(model)),
        "fallback_reasons": dict(reasons),
        "http_requests": sum(r.get("http_requests", 0) for r in answered),
        "tokens": dict(usage),
        "tokens_per_case": {
            key: round(value / count, 1) for key, value in usage.items()
        }
        if count
        else {},
        "cost_usd": round(cost, 6),
        "cost_usd_per_case": round(cost / count, 6) if count else None,
        "prices_usd_per_mtok": {"input": prices.input, "output": prices.output},
        "latency_seconds": {
            "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95),
        },
    }


def summarize(
    records: list[dict[str, Any]],
    *,
    backend: str,
    prices: Prices | None = None,
    loaded_trials: int | None = None,
) -> dict[str, Any]:
    """Build the summary of a run from its trial records.

    ``loaded_trials`` counts the labelled trials of the loaded cases. When it
    is given, ``coverage`` records how many of them the run scored, because a
    replies file may contain replies for only some cases.
    """
    models = sorted({r["model"] for r in records if r.get("model")})
    model_run = backend in MODEL_BACKENDS
    summary: dict[str, Any] = {
        "backend": backend,
        "models": models,
        "trials": len(records),
        "errors": sum(1 for r in records if r.get("error")),
        "accuracy": _tally(records, "set", model_only=model_run),
        "accuracy_by_mode": _tally(records, "mode"),
        "accuracy_by_source": _tally(records, "source"),
        "confusion": _confusion(records),
        "scorers": _scorer_rates(records),
        "validator": _rule_rates(records, "findings"),
    }
    if model_run:
        summary["final_answer_accuracy"] = _tally(records, "set")
        summary["fallback_rate_by_set"] = _fallback_rates(records)
    if any(r.get("first_reply_rules") is not None for r in records):
        summary["validator_first_reply"] = _rule_rates(records, "first_reply_rules")
    summary.update(_model_stats(records, prices or Prices(), model_run))
    if loaded_trials is not None:
        summary["coverage"] = {
            "trials": len(records),
            "loaded": loaded_trials,
            "rate": rate(len(records), loaded_trials),
        }
    return summary
