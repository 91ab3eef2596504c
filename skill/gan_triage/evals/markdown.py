"""Render a run's summary as a markdown report."""

from __future__ import annotations

from typing import Any


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g} s"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def accuracy_table(summary: dict[str, Any]) -> list[str]:
    """Accuracy per set and reading: the table the README quotes.

    A model run shows the model's own accuracy first, then the final answer's
    (which counts the rule engine's answers after a fallback) and the fallback
    rate, so a run the rule engine answered cannot pass for a model result.
    """
    if "final_answer_accuracy" not in summary:
        return _tally_table(summary["accuracy"], "set/reading")
    final = summary["final_answer_accuracy"]
    fallbacks = summary["fallback_rate_by_set"]
    rows = []
    for name, entry in summary["accuracy"].items():
        fallback = fallbacks.get(name, {})
        rows.append(
            [
                name,
                str(entry["scored"]),
                str(entry["correct"]),
                _percent(entry["accuracy"]),
                str(final[name]["correct"]),
                _percent(final[name]["accuracy"]),
                _percent(fallback.get("rate")),
            ]
        )
    header = [
        "set/reading",
        "scored",
        "model correct",
        "model accuracy",
        "final answer correct",
        "final answer accuracy",
        "fallback rate",
    ]
    return _table(header, rows)


def _tally_table(tally: dict[str, dict[str, Any]], first: str) -> list[str]:
    rows = [
        [name, str(entry["correct"]), str(entry["scored"]), _percent(entry["accuracy"])]
        for name, entry in tally.items()
    ]
    return _table([first, "correct", "scored", "accuracy"], rows)


def _confusion_tables(summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for reading, rows in summary["confusion"].items():
        predicted = sorted({name for row in rows.values() for name in row})
        table_rows = [
            [label, *(str(row.get(name, 0)) for name in predicted)]
            for label, row in rows.items()
        ]
        lines.extend(["", f"Reading `{reading}` (rows: label, columns: answer):", ""])
        lines.extend(_table(["label \\ answer", *predicted], table_rows))
    return lines


def _rate_table(
    rates: dict[str, dict[str, Any]], total_key: str, first: str = "check"
) -> list[str]:
    rows = [
        [name, str(entry["passed"]), str(entry[total_key]), _percent(entry["rate"])]
        for name, entry in rates.items()
    ]
    return _table([first, "passed", total_key, "rate"], rows)


def _model_lines(summary: dict[str, Any]) -> list[str]:
    tokens = summary["tokens_per_case"]
    prices = summary["prices_usd_per_mtok"]
    reasons = summary["fallback_reasons"]
    rows = [
        ["trials answered by the model loop", str(summary["model_trials"])],
        ["trials where the model's reply was used", str(summary["model_answered"])],
        ["HTTP requests (SDK retries included)", str(summary["http_requests"])],
        ["re-ask rate", _percent(summary["reask_rate"])],
        ["fallback rate", _percent(summary["fallback_rate"])],
        ["input tokens per case", str(tokens.get("input_tokens", 0))],
        ["output tokens per case", str(tokens.get("output_tokens", 0))],
        [
            "cache write tokens per case",
            str(tokens.get("cache_creation_input_tokens", 0)),
        ],
        ["cache read tokens per case", str(tokens.get("cache_read_input_tokens", 0))],
        [
            "cost per case (estimate)",
            f"${summary['cost_usd_per_case'] or 0:.5f} at ${prices['input']:g} / "
            f"${prices['output']:g} per Mtok in / out",
        ],
        ["latency p50", _seconds(summary["latency_seconds"]["p50"])],
        ["latency p95", _seconds(summary["latency_seconds"]["p95"])],
    ]
    lines = _table(["measure", "value"], rows)
    if reasons:
        lines.extend(["", "Fallback reasons:", ""])
        lines.extend(
            f"- {reason}: {count}" for reason, count in sorted(reasons.items())
        )
    return lines


def _trials_line(summary: dict[str, Any]) -> str:
    models = ", ".join(summary["models"]) or "none"
    line = f"Trials: {summary['trials']} (errors: {summary['errors']}"
    if "final_answer_accuracy" in summary:
        fallen = summary["model_trials"] - summary["model_answered"]
        line += (
            f"; answered by the rule engine after a model fault or failed "
            f"validation: {fallen} of {summary['model_trials']}"
        )
    return f"{line}); models: {models}."


def coverage_line(summary: dict[str, Any]) -> str | None:
    """Describe how many loaded trials the run scored, when it recorded that."""
    coverage = summary.get("coverage")
    if coverage is None:
        return None
    loaded, scored = coverage["loaded"], coverage["trials"]
    line = (
        f"Coverage: {scored} of {loaded} loaded trials had a reply "
        f"({_percent(coverage['rate'])})."
    )
    missing = loaded - scored
    if missing <= 0:
        return line
    were = "was" if missing == 1 else "were"
    trials = "trial" if scored == 1 else "trials"
    return (
        f"{line} The other {missing} {were} not scored, so the accuracy "
        f"counts only the {scored} scored {trials}."
    )


def _accuracy_note(summary: dict[str, Any]) -> list[str]:
    if "final_answer_accuracy" not in summary:
        return []
    return [
        "",
        "Model accuracy counts a trial as correct only when the model's own "
        "reply was used and named the label. Final answer accuracy scores what "
        "the user saw, including the rule engine's answers after a fallback.",
    ]


def _coverage_lines(summary: dict[str, Any]) -> list[str]:
    line = coverage_line(summary)
    return [] if line is None else ["", line]


def render_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# Eval run: backend `{summary['backend']}`",
        "",
        _trials_line(summary),
        *_coverage_lines(summary),
        "",
        "## Accuracy per set",
        "",
        *accuracy_table(summary),
        *_accuracy_note(summary),
        "",
        "## Final answer accuracy per labelled mode",
        "",
        *_tally_table(summary["accuracy_by_mode"], "reading/label"),
        "",
        "## Accuracy per answering path",
        "",
        *_tally_table(summary["accuracy_by_source"], "reading/source"),
        "",
        "## Confusion matrix",
        *_confusion_tables(summary),
        "",
        "## Scorers",
        "",
        *_rate_table(summary["scorers"], "applicable"),
        "",
        "## Validator pass rate per rule (final reply)",
        "",
        *_rate_table(summary["validator"], "checked", "rule"),
    ]
    if "validator_first_reply" in summary:
        lines.extend(
            [
                "",
                "## Validator pass rate per rule (first model reply)",
                "",
                *_rate_table(summary["validator_first_reply"], "checked", "rule"),
            ]
        )
    lines.extend(["", "## Re-asks, fallbacks, tokens, cost, latency", ""])
    lines.extend(_model_lines(summary))
    return "\n".join(lines) + "\n"
