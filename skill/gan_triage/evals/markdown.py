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
    """Accuracy per set and reading: the table the README quotes."""
    return _tally_table(summary["accuracy"], "set/reading")


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


def render_markdown(summary: dict[str, Any]) -> str:
    models = ", ".join(summary["models"]) or "none"
    lines = [
        f"# Eval run: backend `{summary['backend']}`",
        "",
        f"Trials: {summary['trials']} (errors: {summary['errors']}); models: {models}.",
        "",
        "## Accuracy per set",
        "",
        *accuracy_table(summary),
        "",
        "## Accuracy per labelled mode",
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
