"""`gan-triage eval --backend rules`: reports, accuracy, the gate, compare."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gan_triage.cli import main
from gan_triage.evals.progress import Progress
from gan_triage.evals.summary import percentile
from test_eval_cases import D_WINS, EQUILIBRIUM, fields_case, write_cases

# Case "b" carries a strict label that is wrong on purpose, because its numbers
# are an equilibrium. Case "c" has no label, so it is run but not scored. By
# hand: expert 2 of 2 correct, strict 1 of 2.
MINI = [
    fields_case("a", D_WINS, expert="d_wins", strict="d_wins"),
    fields_case("b", EQUILIBRIUM, expert="equilibrium", strict="mode_collapse"),
    fields_case("c", D_WINS, expert=None),
]


@pytest.fixture
def evals_dir(tmp_path: Path) -> Path:
    return write_cases(tmp_path / "evals", "mini", MINI)


def run(evals_dir: Path, out: Path, *extra: str) -> int:
    return main(["eval", "--evals", str(evals_dir), "--out", str(out), *extra])


def records(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "cases.jsonl").read_text().splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


def test_writes_three_reports(evals_dir: Path, tmp_path: Path) -> None:
    code = run(evals_dir, tmp_path / "out")

    assert code == 0
    assert (tmp_path / "out" / "cases.jsonl").is_file()
    assert (tmp_path / "out" / "summary.json").is_file()
    assert (tmp_path / "out" / "report.md").is_file()


def test_trial_per_labelled_reading(evals_dir: Path, tmp_path: Path) -> None:
    run(evals_dir, tmp_path / "out")

    assert sorted(records(tmp_path / "out")) == [
        "a#expert",
        "a#strict",
        "b#expert",
        "b#strict",
        "c#expert",
    ]


def test_accuracy_by_hand(evals_dir: Path, tmp_path: Path) -> None:
    run(evals_dir, tmp_path / "out")

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["accuracy"]["mini/expert"]["accuracy"] == 1.0
    assert summary["accuracy"]["mini/expert"]["scored"] == 2
    assert summary["accuracy"]["mini/strict"]["accuracy"] == 0.5


def test_unlabelled_not_scored(evals_dir: Path, tmp_path: Path) -> None:
    run(evals_dir, tmp_path / "out")

    record = records(tmp_path / "out")["c#expert"]
    assert record["scores"]["mode_label"]["value"] is None
    assert record["predicted"] == "d_wins"


def test_confusion_counts_wrong_label(evals_dir: Path, tmp_path: Path) -> None:
    run(evals_dir, tmp_path / "out")

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["confusion"]["strict"]["mode_collapse"] == {"equilibrium": 1}


def test_markdown_has_tables(evals_dir: Path, tmp_path: Path) -> None:
    run(evals_dir, tmp_path / "out")

    text = (tmp_path / "out" / "report.md").read_text()
    assert "| mini/strict | 1 | 2 | 50.0% |" in text
    assert "## Confusion matrix" in text
    assert "| one_fix | 5 | 5 | 100.0% |" in text


def test_gate_fails_below_baseline(evals_dir: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"accuracy": {"mini/strict": 0.6}}))

    code = run(evals_dir, tmp_path / "out", "--baseline", str(baseline))

    assert code == 1


def test_gate_passes_at_baseline(evals_dir: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps({"accuracy": {"mini/strict": 0.5, "mini/expert": 1.0}})
    )

    code = run(evals_dir, tmp_path / "out", "--baseline", str(baseline))

    assert code == 0


def test_gate_message_names_group(
    evals_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"accuracy": {"mini/strict": 0.6}}))

    run(evals_dir, tmp_path / "out", "--baseline", str(baseline))

    assert "mini/strict: accuracy 0.5000 (1/2)" in capsys.readouterr().err


def test_bad_baseline_exits_2(evals_dir: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"accuracy": {"mini/strict": "high"}}')

    assert run(evals_dir, tmp_path / "out", "--baseline", str(baseline)) == 2


def test_missing_out_exits_2(evals_dir: Path) -> None:
    assert main(["eval", "--evals", str(evals_dir)]) == 2


def test_compare_lists_changed(
    evals_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(evals_dir, tmp_path / "a")
    changed = [dict(MINI[0]), *MINI[1:]]
    changed[0]["input"] = {"kind": "fields", "fields": EQUILIBRIUM}
    write_cases(evals_dir, "mini", changed)
    run(evals_dir, tmp_path / "b")
    capsys.readouterr()

    code = main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")])

    out = capsys.readouterr().out
    assert code == 0
    assert "## Trials that changed (2)" in out
    assert "| mini/expert | 100.0% | 50.0% | -50.0 pts |" in out


def test_compare_missing_run_exits_2(tmp_path: Path) -> None:
    assert main(["eval", "compare", str(tmp_path / "x"), str(tmp_path / "y")]) == 2


def test_progress_off_without_tty() -> None:
    stream = io.StringIO()

    bar = Progress(2, stream=stream)
    bar.step("a")

    assert stream.getvalue() == ""


def test_progress_forced_on() -> None:
    stream = io.StringIO()

    bar = Progress(2, stream=stream, force=True)
    bar.step("a")

    assert stream.getvalue().startswith("\r[" + "#" * 15 + "." * 15 + "] 1/2 a")


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]

    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
