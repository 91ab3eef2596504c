"""Eval cases as data: loading the case files and building each case's report.

A case file is JSON Lines (``*.jsonl``) or a YAML list (``*.yaml``) under
``<evals>/cases/``; the file's stem names its set. Each case has an ``id``, an
``input`` (report fields, free text, or a training log whose path is relative
to the evals folder), ``labels`` per reading and optional ``acceptable_fixes``.

A reading is how a case is triaged: ``expert`` is the default reading (every
mode, on the report's own loss scale) and ``strict`` the five original modes on
the summed-BCE scale. A label of ``None`` marks an ambiguous case: it is run
and recorded but not scored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..catalog import MODES
from ..errors import InputError
from ..report import Report, build_report, report_from_text

Reading = Literal["expert", "strict"]
READINGS: tuple[Reading, ...] = ("expert", "strict")
SET_ORDER = ("seed", "real", "runs", "adversarial")


class CaseInput(BaseModel):
    """The tool's input: report fields, a chat message or a log file."""

    kind: Literal["fields", "text", "log"]
    fields: dict[str, Any] = Field(default_factory=dict)
    text: str = ""
    path: str = ""
    samples: str = ""
    loss_type: str | None = None
    g_objective: str | None = None


class Case(BaseModel):
    """One eval case and its labels."""

    id: str
    set: str = ""
    input: CaseInput
    labels: dict[Reading, str | None]
    acceptable_fixes: dict[Reading, list[str]] = Field(default_factory=dict)
    tags: dict[str, Any] = Field(default_factory=dict)
    confidence: str | None = None
    source: str | None = None
    label_source: str | None = None
    intended: dict[str, str] | None = None

    def label(self, reading: Reading) -> str | None:
        return self.labels.get(reading)


def parse_readings(names: list[str]) -> tuple[Reading, ...]:
    """Check reading names from the command line, keeping their order."""
    by_name = {reading: reading for reading in READINGS}
    chosen: list[Reading] = []
    for name in names:
        if name not in by_name:
            raise InputError(
                f"--readings: {name!r} is not known; expected expert or strict"
            )
        chosen.append(by_name[name])
    return tuple(chosen)


def _records(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise InputError(f"{path}:{number}: invalid JSON: {error}") from None
        return records
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: invalid YAML: {error}") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a YAML list of cases")
    return data


def _check_labels(case: Case, path: Path) -> None:
    for reading, label in case.labels.items():
        if label is not None and label not in MODES:
            raise InputError(
                f"{path}: case {case.id}: {reading} label {label!r} is not a mode "
                f"slug; expected one of {', '.join(MODES)}"
            )


def load_file(path: Path) -> list[Case]:
    """Load the cases in one file; the set defaults to the file's stem."""
    cases = []
    for index, record in enumerate(_records(path), start=1):
        if not isinstance(record, dict):
            raise InputError(f"{path}: case {index} is not a mapping")
        record.setdefault("set", path.stem)
        try:
            case = Case.model_validate(record)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InputError(
                f"{path}: case {record.get('id', index)}: {where}: {first['msg']}"
            ) from None
        _check_labels(case, path)
        cases.append(case)
    return cases


def case_files(evals_dir: Path) -> list[Path]:
    folder = evals_dir / "cases"
    if not folder.is_dir():
        raise InputError(
            f"{folder}: cases folder not found; pass --evals with the folder "
            "that contains cases/ and data/"
        )
    return sorted([*folder.glob("*.jsonl"), *folder.glob("*.yaml")])


def load_cases(evals_dir: Path, sets: list[str] | None = None) -> list[Case]:
    """Load every case under ``evals_dir/cases``, keeping only ``sets`` if given."""
    cases: list[Case] = []
    for path in case_files(evals_dir):
        cases.extend(load_file(path))
    known = sorted({case.set for case in cases})
    for name in sets or []:
        if name not in known:
            raise InputError(
                f"--sets: no cases in set {name!r}; known sets: {', '.join(known)}"
            )
    chosen = [case for case in cases if not sets or case.set in sets]
    seen: set[str] = set()
    for case in chosen:
        if case.id in seen:
            raise InputError(f"{evals_dir}: case id {case.id!r} appears twice")
        seen.add(case.id)
    order = {name: index for index, name in enumerate(SET_ORDER)}
    return sorted(chosen, key=lambda case: order.get(case.set, len(order)))


def build_case_report(case: Case, evals_dir: Path) -> Report:
    """Build the report the tool would read for this case.

    Raises InputError, as the tool itself would, when the input is invalid.
    """
    spec = case.input
    if spec.kind == "fields":
        return build_report(dict(spec.fields), case.id)
    if spec.kind == "text":
        return report_from_text(spec.text, case.id, prose=True)
    from ..logs import report_from_log

    return report_from_log(
        evals_dir / spec.path,
        samples=spec.samples,
        loss_type=spec.loss_type,
        g_objective=spec.g_objective,
    )
