"""Compare two eval runs: accuracy side by side, and the trials that changed."""

from __future__ import annotations

from typing import Any

from .markdown import _percent


def _key_fields(record: dict[str, Any]) -> tuple[Any, ...]:
    scores = record["scores"]
    failed = tuple(sorted(name for name, s in scores.items() if s["value"] is False))
    # The answering path counts too: the same final answer from the model in
    # one run and from the rule engine in the other is a change in the model.
    return record.get("predicted"), record.get("fix_slug"), failed, record.get("source")


def changed_trials(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """List trials whose named mode, fix or failed scorers differ between runs."""
    old = {record["id"]: record for record in before}
    changes = []
    for record in after:
        previous = old.get(record["id"])
        if previous is None or _key_fields(previous) == _key_fields(record):
            continue
        changes.append(
            {
                "id": record["id"],
                "label": record["label"],
                "before": _key_fields(previous),
                "after": _key_fields(record),
            }
        )
    return changes


def render_comparison(
    name_a: str,
    run_a: tuple[list[dict[str, Any]], dict[str, Any]],
    name_b: str,
    run_b: tuple[list[dict[str, Any]], dict[str, Any]],
) -> str:
    """Write a markdown comparison of run A (before) and run B (after)."""
    (records_a, summary_a), (records_b, summary_b) = run_a, run_b
    lines = [
        f"# Comparison: A = {name_a} ({summary_a['backend']}), "
        f"B = {name_b} ({summary_b['backend']})",
        "",
        "| set/reading | A | B | change |",
        "|---|---|---|---|",
    ]
    groups = sorted({*summary_a["accuracy"], *summary_b["accuracy"]})
    for group in groups:
        a = summary_a["accuracy"].get(group, {}).get("accuracy")
        b = summary_b["accuracy"].get(group, {}).get("accuracy")
        delta = "n/a" if a is None or b is None else f"{(b - a) * 100:+.1f} pts"
        lines.append(f"| {group} | {_percent(a)} | {_percent(b)} | {delta} |")
    lines.extend(
        [
            "",
            "A model run's accuracy is the model's own: a trial the rule engine "
            "answered after a fallback counts as wrong.",
        ]
    )

    changes = changed_trials(records_a, records_b)
    only_a = {r["id"] for r in records_a} - {r["id"] for r in records_b}
    only_b = {r["id"] for r in records_b} - {r["id"] for r in records_a}
    lines.extend(["", f"## Trials that changed ({len(changes)})", ""])
    for change in changes:
        (mode_a, fix_a, failed_a, source_a), (mode_b, fix_b, failed_b, source_b) = (
            change["before"],
            change["after"],
        )
        lines.append(
            f"- `{change['id']}` (label {change['label']}): {mode_a} / {fix_a} "
            f"from {source_a} -> {mode_b} / {fix_b} from {source_b}; failed checks "
            f"[{', '.join(failed_a)}] -> [{', '.join(failed_b)}]"
        )
    if only_a or only_b:
        lines.extend(
            ["", f"Trials only in A: {len(only_a)}; only in B: {len(only_b)}."]
        )
    return "\n".join(lines) + "\n"
