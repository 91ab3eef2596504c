"""Write a run to ``--out DIR`` and read it back.

A run folder contains ``cases.jsonl`` (one record per trial), ``summary.json``
and ``report.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from .markdown import render_markdown

CASES_FILE = "cases.jsonl"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.md"


def write_run(
    out_dir: Path, records: list[dict[str, Any]], summary: dict[str, Any]
) -> None:
    """Write the per-trial log, the summary and the markdown report."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"{out_dir}: cannot create the output folder: {error}"
        ) from None
    lines = [
        json.dumps(record, ensure_ascii=False, sort_keys=True) for record in records
    ]
    (out_dir / CASES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (out_dir / REPORT_FILE).write_text(render_markdown(summary), encoding="utf-8")


def load_run(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a run folder's records and summary; InputError names a missing file."""
    for name in (CASES_FILE, SUMMARY_FILE):
        if not (run_dir / name).is_file():
            raise InputError(
                f"{run_dir}: {name} not found; expected a folder written by "
                "gan-triage eval --out"
            )
    try:
        records = [
            json.loads(line)
            for line in (run_dir / CASES_FILE).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        summary = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{run_dir}: invalid JSON in the run files: {error}") from None
    return records, summary
