"""The run store: names, locations, concurrent appends, damage, and `triage --run`."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from gan_triage.cli import main
from gan_triage.errors import InputError
from gan_triage.history import Record, RunHistory, RunState, default_root

D_WINS_YAML = (
    'd_loss_trend: "0.3, 0.1, 0.06"\n'
    'g_loss_trend: "3, 4, 6"\n'
    'sample_notes: "random noise"\n'
)


def record(message: str, tried: list[str] | None = None) -> Record:
    state = RunState(tried=tried or [])
    return Record(
        time="2026-01-01T00:00:00+00:00", kind="turn", message=message, state=state
    )


def append_many(root: str, worker: int, count: int) -> None:
    run = RunHistory("shared", Path(root))
    for index in range(count):
        run.add(record(f"{worker}-{index}"))


@pytest.mark.parametrize("name", ["../x", "a/b", "", ".hidden", "x" * 65, "a b"])
def test_invalid_run_names(name: str, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        RunHistory(name, tmp_path)


def test_valid_run_name(tmp_path: Path) -> None:
    run = RunHistory("cifar-dcgan.v2_1", tmp_path)

    assert run.path == tmp_path / "cifar-dcgan.v2_1.jsonl"


def test_root_from_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    assert default_root() == tmp_path / "gan-triage" / "runs"


def test_relative_xdg_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))

    assert default_root() == tmp_path / ".local" / "share" / "gan-triage" / "runs"


def test_state_from_last_record(tmp_path: Path) -> None:
    run = RunHistory("r", tmp_path)
    run.add(record("one", ["spectral_norm"]))
    run.add(record("two", ["spectral_norm", "halve_d_lr"]))

    history = run.read()

    assert [r.message for r in history.records] == ["one", "two"]
    assert history.state.tried == ["spectral_norm", "halve_d_lr"]


def test_two_processes_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=append_many, args=(str(tmp_path), worker, 500))
        for worker in (1, 2)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)

    history = RunHistory("shared", tmp_path).read()

    assert [process.exitcode for process in workers] == [0, 0]
    assert history.warnings == []
    assert len(history.records) == 1000
    messages = {r.message for r in history.records}
    assert messages == {f"{w}-{i}" for w in (1, 2) for i in range(500)}


def test_damaged_line_backed_up(tmp_path: Path) -> None:
    run = RunHistory("r", tmp_path)
    run.add(record("one"))
    with run.path.open("ab") as handle:
        handle.write(b"{not json\n")
    run.add(record("three"))
    original = run.path.read_bytes()

    history = run.read()

    assert [r.message for r in history.records] == ["one", "three"]
    assert len(history.warnings) == 1
    assert "1 damaged line (line 2)" in history.warnings[0]
    assert history.backup is not None
    assert history.backup.name.startswith("r.jsonl.corrupt-")
    assert history.backup.read_bytes() == original
    assert len(run.path.read_bytes().splitlines()) == 2


def test_half_written_line_then_append(tmp_path: Path) -> None:
    # A crash mid-write leaves a line with no newline; the next append must
    # start a fresh line, and the read keeps both whole records.
    run = RunHistory("r", tmp_path)
    run.add(record("one"))
    with run.path.open("ab") as handle:
        handle.write(b'{"v": 1, "time": "2026')
    run.add(record("three"))

    history = run.read()

    assert [r.message for r in history.records] == ["one", "three"]
    assert history.backup is not None


def test_wrong_version_is_damage(tmp_path: Path) -> None:
    run = RunHistory("r", tmp_path)
    line = record("future").model_dump(mode="json") | {"v": 2}
    run.path.write_text(json.dumps(line) + "\n")

    history = run.read()

    assert history.records == []
    assert history.backup is not None


def triage(tmp_path: Path, *args: str) -> int:
    return main(["triage", "--backend", "rules", "--history", str(tmp_path), *args])


def test_cli_not_fixed_next_rung(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML)

    first = triage(tmp_path, "--run", "cifar", str(report))
    first_out = capsys.readouterr().out
    second = triage(tmp_path, "--run", "cifar", "--not-fixed")
    second_out = capsys.readouterr().out

    assert first == 0
    assert second == 0
    assert "spectral normalization" in first_out
    assert "Halve D's learning rate" in second_out


def test_cli_same_report_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML)
    triage(tmp_path, "--run", "cifar", str(report))
    capsys.readouterr()

    code = triage(tmp_path, "--run", "cifar", str(report))
    captured = capsys.readouterr()

    assert code == 0
    assert "spectral normalization" in captured.out
    assert "same report as the last turn" in captured.err
    assert len(RunHistory("cifar", tmp_path).read().records) == 1


def test_cli_history_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML)
    triage(tmp_path, "--run", "cifar", str(report))
    triage(tmp_path, "--run", "cifar", "--not-fixed")
    capsys.readouterr()

    code = main(["history", "cifar", "--history", str(tmp_path), "--json"])
    payload = json.loads(capsys.readouterr().out)

    assert code == 0
    assert [r["answer"]["fix"] for r in payload["records"]] == [
        "spectral_norm",
        "halve_d_lr",
    ]
    assert payload["state"]["tried"] == ["spectral_norm"]


def test_cli_evidence_after_no_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # D 0.11 with G flat at 6 fits no mode; 98% and 97% accuracy is D winning.
    report = tmp_path / "r.yaml"
    report.write_text('d_loss_trend: "0.3, 0.2, 0.11"\ng_loss_trend: "5.5, 6, 6"\n')
    triage(tmp_path, "--run", "cifar", str(report))
    first = capsys.readouterr().out

    code = triage(
        tmp_path, "--run", "cifar", "--d-acc-real", "98%", "--d-acc-fake", "97%"
    )
    second = capsys.readouterr().out

    assert code == 0
    assert "No match" in first
    assert "D wins completely" in second


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run", "../up", "--not-fixed"], "run name '../up' is invalid"),
        (["--not-fixed"], "--not-fixed needs --run NAME"),
        (["--run", "empty", "--not-fixed"], "has no report yet"),
    ],
)
def test_cli_bad_run_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = triage(tmp_path, *args)

    assert code == 2
    assert message in capsys.readouterr().err


def test_cli_history_unknown_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["history", "nothing", "--history", str(tmp_path)])

    assert code == 2
    assert "run 'nothing' not found" in capsys.readouterr().err


def test_cli_repeat_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML)
    triage(tmp_path, "--run", "cifar", str(report))
    capsys.readouterr()

    code = triage(tmp_path, "--run", "cifar", str(report), "--json")
    payload = json.loads(capsys.readouterr().out)

    assert code == 0
    assert payload["repeated"] is True
    assert payload["fix"] == "spectral_norm"


def test_cli_history_reports_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = RunHistory("cifar", tmp_path)
    run.add(record("one"))
    with run.path.open("ab") as handle:
        handle.write(b"\x00\xff garbage\n")

    code = main(["history", "cifar", "--history", str(tmp_path)])
    captured = capsys.readouterr()

    assert code == 0
    assert "1 damaged line (line 2)" in captured.err
    assert "corrupt-" in captured.err
    assert "1. 2026-01-01T00:00:00+00:00  one" in captured.out
    assert len(list(tmp_path.glob("cifar.jsonl.corrupt-*"))) == 1


def test_cli_tried_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML)
    triage(tmp_path, "--run", "cifar", str(report))
    capsys.readouterr()

    code = triage(tmp_path, "--run", "cifar", "--tried", "spectral norm")

    assert code == 0
    assert RunHistory("cifar", tmp_path).read().state.tried == ["spectral_norm"]
    assert "Halve D's learning rate" in capsys.readouterr().out


def test_cli_report_tried_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(D_WINS_YAML + "fixes_already_tried: [spectral norm]\n")

    code = triage(tmp_path, "--run", "cifar", "--tried", "spectral_norm", str(report))

    assert code == 0
    assert RunHistory("cifar", tmp_path).read().state.tried == ["spectral_norm"]
    assert "Halve D's learning rate" in capsys.readouterr().out
