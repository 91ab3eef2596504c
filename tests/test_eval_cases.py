"""Eval case files: loading, labels, and the reports built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gan_triage.errors import InputError
from gan_triage.evals.cases import build_case_report, load_cases

# A summed-BCE report where D wins: D ends at 0.02 (<= 0.1, not < 0.05) and G
# ends at 7.4 (>= 5, not > 10), so it is D winning and not a vanishing gradient.
D_WINS = {
    "d_loss_trend": "0.9, 0.3, 0.02",
    "g_loss_trend": "2.1, 5.8, 7.4",
    "sample_notes": "random noise",
    "loss_type": "bce",
}
# Both losses static at chance (1.386 / 0.693) with good samples: equilibrium.
EQUILIBRIUM = {
    "d_loss_trend": "1.38, 1.39, 1.38",
    "g_loss_trend": "0.69, 0.70, 0.69",
    "sample_notes": "samples look reasonable and varied",
    "loss_type": "bce",
}


def write_cases(folder: Path, name: str, cases: list[dict[str, Any]]) -> Path:
    """Write a cases/<name>.jsonl file under ``folder`` and return ``folder``."""
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(case) for case in cases]
    (folder / "cases" / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def fields_case(
    case_id: str, fields: dict[str, Any], **labels: str | None
) -> dict[str, Any]:
    return {
        "id": case_id,
        "input": {"kind": "fields", "fields": fields},
        "labels": labels,
    }


def test_set_from_file_stem(tmp_path: Path) -> None:
    write_cases(tmp_path, "mini", [fields_case("a", D_WINS, expert="d_wins")])

    (case,) = load_cases(tmp_path)

    assert case.set == "mini"


def test_unknown_label_rejected(tmp_path: Path) -> None:
    write_cases(tmp_path, "mini", [fields_case("a", D_WINS, expert="d_wins_x")])

    with pytest.raises(InputError, match="d_wins_x"):
        load_cases(tmp_path)


def test_duplicate_id_rejected(tmp_path: Path) -> None:
    case = fields_case("a", D_WINS, expert="d_wins")
    write_cases(tmp_path, "mini", [case, case])

    with pytest.raises(InputError, match="appears twice"):
        load_cases(tmp_path)


def test_unknown_set_rejected(tmp_path: Path) -> None:
    write_cases(tmp_path, "mini", [fields_case("a", D_WINS, expert="d_wins")])

    with pytest.raises(InputError, match="no cases in set 'other'"):
        load_cases(tmp_path, ["other"])


def test_bad_json_names_line(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "mini.jsonl").write_text('{"id": "a"}\n{oops\n')

    with pytest.raises(InputError, match=r"mini\.jsonl:2"):
        load_cases(tmp_path)


def test_fields_report_keeps_text(tmp_path: Path) -> None:
    write_cases(tmp_path, "mini", [fields_case("a", D_WINS, expert="d_wins")])
    (case,) = load_cases(tmp_path)

    report = build_case_report(case, tmp_path)

    assert report.d_loss_trend == "0.9, 0.3, 0.02"
    assert report.loss_type == "bce-sum"


def test_log_report_reads_csv(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    rows = ["epoch,d_loss,g_loss"] + [f"{i},0.0{i},{5 + i}" for i in range(1, 4)]
    (tmp_path / "data" / "run.csv").write_text("\n".join(rows) + "\n")
    case = {
        "id": "log",
        "input": {"kind": "log", "path": "data/run.csv", "samples": "noise"},
        "labels": {"expert": "d_wins"},
    }
    write_cases(tmp_path, "mini", [case])
    (loaded,) = load_cases(tmp_path)

    report = build_case_report(loaded, tmp_path)

    assert report.d.values == [0.01, 0.02, 0.03]
    assert report.g.values == [6.0, 7.0, 8.0]
    assert report.sample_notes == "noise"


def test_committed_sets_load() -> None:
    evals = Path(__file__).resolve().parent.parent / "evals"

    cases = load_cases(evals)

    sets = {case.set for case in cases}
    assert sets == {"seed", "real", "runs", "adversarial"}
    # 25 public reports, each as fields and as free text; 25 training logs.
    assert sum(1 for case in cases if case.set == "real") == 50
    assert sum(1 for case in cases if case.set == "runs") == 25
