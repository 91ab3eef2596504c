"""The triage verb: inputs, outputs and every documented exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gan_triage.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["triage", "--backend", "rules", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_yaml_report_prints_block(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(EXAMPLES / "vanishing_gradient.yaml"))

    assert code == 0
    assert out.startswith("[triage]\n  failure:  Vanishing generator gradient\n")
    assert '"pure noise"' in out
    # G stuck at 16 is above 0, so G already uses the non-saturating loss and
    # the ladder's next rung, spectral normalization in D, is the fix.
    assert "fix:      Wrap every D layer in spectral normalization" in out
    assert "G already uses the non-saturating loss" in err


def test_json_output_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(EXAMPLES / "d_wins.yaml"), "--json")
    payload = json.loads(out)

    assert code == 0
    assert payload["failure"] == "d_wins"
    assert payload["failure_name"] == "D wins completely"
    assert payload["source"] == "rules"
    assert payload["retry_epochs"] == 5
    assert payload["fix_slug"] == "spectral_norm"
    assert payload["candidates"][0]["slug"] == "d_wins"
    assert payload["report"]["d_loss_trend"].startswith("D error slides down")


def test_flags_make_a_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "--d-loss",
        "0.3, 0.02, 0.01",
        "--g-loss",
        "8, 11, 12",
        "--samples",
        "noise",
    )

    assert code == 0
    assert "failure:  Vanishing generator gradient" in out
    assert 'd_loss "0.3, 0.02, 0.01"' in out


def test_stdin_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    text = (
        "d_loss_trend: '1.38, 1.39, 1.38'\n"
        "g_loss_trend: '0.69, 0.70, 0.69'\n"
        "sample_notes: looks good\n"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    code, out, _ = run(capsys, "-")

    assert code == 0
    assert "failure:  Nash equilibrium / D uncertain (D outputs ~0.5)" in out


def test_loss_type_flag_overrides_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # D 0.25 and G 0.25 flat: no mode on the summed-BCE scale, but LSGAN's
    # chance point, so with good samples it reads as equilibrium.
    report = tmp_path / "r.yaml"
    report.write_text(
        "d_loss_trend: 0.25, 0.26, 0.25\ng_loss_trend: 0.25, 0.24, 0.25\n"
        "sample_notes: samples look reasonable\nloss_type: bce-sum\n"
    )

    _, plain, _ = run(capsys, str(report), "--json")
    _, lsgan, _ = run(capsys, str(report), "--json", "--loss-type", "lsgan")

    assert json.loads(plain)["failure"] == "no_match"
    assert json.loads(lsgan)["failure"] == "equilibrium"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty"),
        ("- 1\n- 2\n", "a list; expected a mapping"),
        ("foo: 1\n", "none of the report keys found"),
        (
            "d_loss_trend: banana\ng_loss_trend: 3, 4\n",
            "d_loss_trend 'banana' has no numbers",
        ),
        (
            "d_loss_trend: 0.1\ng_loss_trend: 3\nloss_type: bce-max\n",
            "loss_type 'bce-max' is not known",
        ),
        (
            "d_loss_trend: 0.1\ng_loss_trend: 3\nd_accuracy_on_real: lots\n",
            "d_accuracy_on_real is 'lots'",
        ),
        ("d_loss_trend: 0.1\ng_loss_trend: 3\nepochs: -4\n", "epochs is -4"),
        (
            "d_loss_trend: -0.4, -0.6\ng_loss_trend: 3\nloss_type: bce-sum\n",
            "negative value -0.4",
        ),
        ("{not json", "invalid JSON"),
    ],
)
def test_bad_report_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    report = tmp_path / "report.yaml"
    report.write_text(content)

    code, out, err = run(capsys, str(report))

    assert code == 2
    assert out == ""
    assert expected in err
    assert str(report) in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.yaml"))

    assert code == 2
    assert "file not found" in err


def test_directory_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "."))

    assert code == 2
    assert "is a directory" in err


def test_binary_and_non_utf8_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x00\x01\x02garbage")
    latin = tmp_path / "l.yaml"
    latin.write_bytes("d_loss_trend: 0,9 \xe9\n".encode("latin-1"))

    binary_code, _, binary_err = run(capsys, str(binary))
    latin_code, _, latin_err = run(capsys, str(latin))

    assert binary_code == 2
    assert "binary" in binary_err
    assert latin_code == 2
    assert "not valid UTF-8" in latin_err


def test_unknown_key_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text("d_loss_trend: 0.02\ng_loss_trend: 7\nlr: 0.0002\n")

    code, out, err = run(capsys, str(report))

    assert code == 0
    assert "failure:  D wins completely" in out
    assert "unknown key 'lr' ignored" in err


def test_no_input_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    code, _, err = run(capsys)

    assert code == 2
    assert "no report given" in err


def test_anthropic_backend_without_key_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)

    code = main(["triage", "--backend", "anthropic", str(EXAMPLES / "d_wins.yaml")])
    err = capsys.readouterr().err

    assert code == 2
    assert "ANTHROPIC_API_KEY" in err


def test_auto_without_key_notes_rules(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)

    code = main(["triage", str(EXAMPLES / "d_wins.yaml")])
    err = capsys.readouterr().err

    assert code == 0
    assert "ANTHROPIC_API_KEY is not set" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["triage", "--loss-type", "nonsense"])

    assert code == 2


def test_rules_path_never_imports_anthropic() -> None:
    # A fresh interpreter, so no other test's import can leak in.
    example = str(EXAMPLES / "d_wins.yaml")
    program = (
        "import sys\n"
        "from gan_triage.cli import main\n"
        f"code = main(['triage', '--backend', 'rules', {example!r}])\n"
        "assert code == 0, code\n"
        "print('anthropic' in sys.modules)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip().splitlines()[-1] == "False"


def test_modes_lists_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["modes", "--json"])
    payload = json.loads(capsys.readouterr().out)
    slugs = [mode["slug"] for mode in payload["modes"]]

    assert code == 0
    assert payload["precedence"][0] == "diverged"
    assert set(slugs) >= {"d_wins", "mode_collapse", "oscillation", "equilibrium"}
    assert "vanishing_gradient" in slugs
    assert "no_match" in slugs


def test_log_with_saturating_objective(capsys: pytest.CaptureFixture[str]) -> None:
    # A real run whose G minimised log(1 - D(G(z))): its G loss sits just below
    # 0 while D has won, which only the saturating reading calls vanishing.
    log = Path(__file__).parent / "data" / "runs" / "digits_vanish_s0.csv"
    samples = "samples are meaningless noise and nearly identical for every z"

    code, out, _ = run(
        capsys, str(log), "--samples", samples, "--g-objective", "saturating", "--json"
    )

    assert code == 0
    assert json.loads(out)["failure"] == "vanishing_gradient"


def test_fixes_already_tried_in_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(
        "d_loss_trend: 0.02\ng_loss_trend: 7\n"
        "fixes_already_tried: [spectral norm, something odd]\n"
    )

    code, out, err = run(capsys, str(report), "--json")
    payload = json.loads(out)

    assert code == 0
    assert payload["fix_slug"] == "halve_d_lr"
    assert payload["report"]["fixes_already_tried"] == ["spectral_norm"]
    assert "'something odd' names no known fix" in err


def test_tried_flag_in_words_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    words = run(capsys, "--d-loss", "0.02", "--g-loss", "7", "--tried", "spectral norm")
    unknown = run(capsys, "--d-loss", "0.02", "--g-loss", "7", "--tried", "nonsense")

    assert "Halve D's learning rate" in words[1]
    assert unknown[0] == 2
    assert "--tried 'nonsense' names no known fix" in unknown[2]


def test_yaml_numbers_stay_as_typed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # YAML would read 0.50 as the float 0.5; the evidence must quote 0.50.
    report = tmp_path / "r.yaml"
    report.write_text("d_loss_trend: 0.050\ng_loss_trend: 12.50\nsample_notes: noise\n")

    code, out, _ = run(capsys, str(report))

    assert code == 0
    assert 'd_loss "0.050"' in out
    assert 'g_loss "12.50"' in out


def test_broken_yaml_report_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text('d_loss_trend: "0.9, 0.4\ng_loss_trend: 3\n')

    code, out, err = run(capsys, str(report))

    assert code == 2
    assert out == ""
    assert "invalid YAML" in err
    assert len(err.strip().splitlines()) == 1


def test_loose_values_are_noted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(
        "d_loss_trend: 0.02\ng_loss_trend: 7\nloss_type: vanilla\n"
        "d_accuracy_on_real: 1.5\n"
    )

    code, _, err = run(capsys, str(report))

    assert code == 0
    assert "loss_type 'vanilla' read as bce-sum" in err
    assert "d_accuracy_on_real 1.5 read as 1.5%" in err


def test_two_reports_at_once_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    both = run(capsys, "--text", "D loss 0.1", "--d-loss", "0.2", "--g-loss", "3")
    file_and_text = run(capsys, str(EXAMPLES / "d_wins.yaml"), "--text", "D loss 0.1")

    assert both[0] == 2
    assert "give the report one way only" in both[2]
    assert file_and_text[0] == 2
    assert "a report file and --text" in file_and_text[2]


def test_yaml_aliases_rejected(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "r.yaml"
    report.write_text(
        "a: &a [x, x, x]\nb: &b [*a, *a, *a]\n"
        "d_loss_trend: 0.1\ng_loss_trend: 3\nsample_notes: *b\n"
    )
    plain = tmp_path / "p.yaml"
    plain.write_text(
        "d_loss_trend: 0.02\ng_loss_trend: 7\nsample_notes: noise, 3*4 grid\n"
    )

    code, _, err = run(capsys, str(report))
    plain_code, _, _ = run(capsys, str(plain))

    assert code == 2
    assert "anchors and aliases" in err
    assert plain_code == 0


def test_non_utf8_argument_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    # Python hands undecodable argv bytes over as lone surrogates.
    code, _, err = run(
        capsys, "--d-loss", "0.02", "--g-loss", "7", "--samples", "gr\udcfcn"
    )

    assert code == 2
    assert "not valid UTF-8" in err


def test_thousands_comma_is_noted(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--d-loss", "1,386", "--g-loss", "0,693")

    assert code == 0
    assert "1,386 was read as a whole number" in err


def test_txt_console_log_is_read_as_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # pytorch-CycleGAN writes loss_log.txt; its content, not the suffix,
    # decides that it is a log rather than a free-text report.
    lines = [
        f"(epoch: {epoch}, iters: 100, time: 0.1, data: 0.01) "
        f"D_A: 0.25{epoch % 3} G_A: 0.26{epoch % 2} D_B: 0.24 G_B: 0.33"
        for epoch in range(1, 13)
    ]
    log = tmp_path / "loss_log.txt"
    log.write_text("\n".join(lines) + "\n")

    code, out, _ = run(capsys, str(log), "--json", "--samples", "looks fine")
    payload = json.loads(out)

    assert code == 0
    assert payload["report"]["epochs"] == 12
    assert "last 10 epochs of 12" in payload["report"]["d_loss_trend"]
