"""`gan-triage chat`: turn reading, scripted conversations, commands and runs.

The expected fixes follow the catalog's ladders by hand: D wins gives spectral
norm, then halving D's learning rate; a report that also shows one repeated
digit then moves to mode collapse (minibatch discrimination, doubling the
batch, label conditioning), then no match.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gan_triage.chat import ChatSession, read_turn, run_chat, stream_reader
from gan_triage.client import Message, ModelReply, Usage
from gan_triage.history import RunHistory
from gan_triage.ladder import Answerer, ModelAnswerer, RulesAnswerer

REPORT = (
    'd_loss_trend: "0.3, 0.1, 0.06"\n'
    'g_loss_trend: "3, 4, 6"\n'
    'sample_notes: "every sample is the same digit"\n'
)
SPECTRAL = "Wrap every D layer in spectral normalization"
HALVE = "Halve D's learning rate and leave G's unchanged."
MINIBATCH = "Add minibatch discrimination to D"
DOUBLE = "Double the batch size."
LABELS = "Condition G and D on class labels"
NO_MATCH_FIX = "Send d_accuracy_on_real, d_accuracy_on_fake and a sample grid"
STILL = "still the same after 10 epochs\n"


def chat(
    text: str,
    answerer: Answerer | None = None,
    run: RunHistory | None = None,
) -> str:
    out = io.StringIO()
    session = ChatSession(answerer=answerer or RulesAnswerer(), out=out, run=run)

    code = run_chat(session, stream_reader(io.StringIO(text)), interactive=False)

    assert code == 0
    return out.getvalue()


def fix_lines(output: str) -> list[str]:
    return [
        line.split("fix:", 1)[1].strip()
        for line in output.splitlines()
        if line.strip().startswith("fix:")
    ]


def test_single_line_turn() -> None:
    read = stream_reader(io.StringIO("still the same\nnext\n"))

    assert read_turn(read, interactive=False) == "still the same"


def test_report_turn_ends_at_blank() -> None:
    read = stream_reader(io.StringIO(REPORT + "\nstill the same\n"))

    first = read_turn(read, interactive=False)
    second = read_turn(read, interactive=False)

    assert first == REPORT.rstrip("\n")
    assert second == "still the same"


def test_report_turn_ends_at_eof() -> None:
    read = stream_reader(io.StringIO(REPORT))

    assert read_turn(read, interactive=False) == REPORT.rstrip("\n")


def test_rules_chat_walks_ladder() -> None:
    output = chat(REPORT + "\n" + STILL * 5)

    fixes = fix_lines(output)
    expected = [SPECTRAL, HALVE, MINIBATCH, DOUBLE, LABELS, NO_MATCH_FIX]
    assert len(fixes) == len(expected)
    for line, start in zip(fixes, expected, strict=True):
        assert line.startswith(start)
    assert len(set(fixes)) == len(fixes)


def test_plain_words_name_fix() -> None:
    # Naming both D-wins rungs moves straight to mode collapse.
    output = chat(REPORT + "\nspectral norm and halving D's lr did nothing\n")

    fixes = fix_lines(output)
    assert fixes[0].startswith(SPECTRAL)
    assert fixes[1].startswith(MINIBATCH)


def test_no_match_then_accuracies() -> None:
    # D 0.11 with G flat at 6 fits no mode; 98% / 97% accuracy is D winning.
    text = (
        'd_loss_trend: "0.3, 0.2, 0.11"\ng_loss_trend: "5.5, 6, 6"\n\n'
        "d_accuracy_on_real 0.98, d_accuracy_on_fake 0.97, samples: pure noise\n"
    )

    output = chat(text)

    fixes = fix_lines(output)
    assert fixes[0].startswith(NO_MATCH_FIX)
    assert fixes[1].startswith(SPECTRAL)
    assert 'samples "pure noise"' in output


def test_grid_path_only_recorded() -> None:
    text = 'd_loss_trend: "0.3, 0.2, 0.11"\ng_loss_trend: "5.5, 6, 6"\n\nruns/e40.png\n'

    output = chat(text)

    assert "cannot look at images" in output
    assert fix_lines(output)[-1].startswith(NO_MATCH_FIX)


def test_report_file_path(tmp_path: Path) -> None:
    report = tmp_path / "report.yaml"
    report.write_text(REPORT)

    output = chat(f"{report}\n{STILL}")

    fixes = fix_lines(output)
    assert fixes[0].startswith(SPECTRAL)
    assert fixes[1].startswith(HALVE)


def test_bad_report_keeps_chatting() -> None:
    text = 'd_loss_trend: "rising"\ng_loss_trend: "x"\n\n/help\n'

    output = chat(text)

    assert "error: message: g_loss_trend 'x' has no numbers" in output
    assert "/reset" in output


def test_follow_up_before_report() -> None:
    assert "No report yet" in chat(STILL)


def test_fixed_reply_gives_no_block() -> None:
    output = chat(REPORT + "\nthat fixed it\n")

    assert len(fix_lines(output)) == 1
    assert "recorded as having worked" in output


def test_reset_forgets_tried() -> None:
    output = chat(REPORT + "\n" + STILL + "/reset\n" + REPORT)

    fixes = fix_lines(output)
    assert fixes[1].startswith(HALVE)
    assert fixes[2].startswith(SPECTRAL)


def test_quit_stops_reading() -> None:
    output = chat("/quit\n" + REPORT)

    assert fix_lines(output) == []


def test_unknown_command() -> None:
    assert "unknown command /fly" in chat("/fly\n")


def test_ctrl_c_cancels_turn() -> None:
    lines = iter(["still the same"])
    calls = {"count": 0}

    def read(prompt: str) -> str:
        calls["count"] += 1
        if calls["count"] == 1:
            raise KeyboardInterrupt
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    session = ChatSession(answerer=RulesAnswerer(), out=out)

    code = run_chat(session, read, interactive=False)

    assert code == 0
    assert "(turn cancelled)" in out.getvalue()
    assert "No report yet" in out.getvalue()


def test_run_continues_next_chat(tmp_path: Path) -> None:
    chat(REPORT + "\n", run=RunHistory("r", tmp_path))

    output = chat(STILL, run=RunHistory("r", tmp_path))

    assert "continuing run r" in output
    assert fix_lines(output)[0].startswith(HALVE)
    assert RunHistory("r", tmp_path).read().state.tried == ["spectral_norm"]


@dataclass
class ScriptedClient:
    """A model client that returns hand-written replies in order."""

    replies: list[str]
    model: str = "claude-scripted"
    calls: list[list[Message]] = field(default_factory=list)

    def send(self, system: str, messages: Sequence[Message]) -> ModelReply:
        self.calls.append(list(messages))
        return ModelReply(self.replies[len(self.calls) - 1], "end_turn", Usage(), 0.0)


def block(failure: str, fix: str, retry: str) -> str:
    evidence = (
        'd_loss "0.3, 0.1, 0.06"; g_loss "3, 4, 6"; '
        'samples "every sample is the same digit"'
    )
    return (
        f"[triage]\n  failure:  {failure}\n  evidence: {evidence}\n"
        f"  fix:      {fix}\n  retry:    {retry}"
    )


SPECTRAL_FULL = (
    "Wrap every D layer in spectral normalization "
    "(torch.nn.utils.spectral_norm) and remove D's BatchNorm layers."
)
MINIBATCH_FULL = (
    "Add minibatch discrimination to D (a minibatch-statistics layer before its "
    "last layer)."
)
AFTER_5 = "5 epochs, then triage again with the new numbers"
AFTER_10 = "10 epochs, then triage again with the new numbers"


def test_model_chat_walks_ladder() -> None:
    client = ScriptedClient(
        [
            block("D wins completely", SPECTRAL_FULL, AFTER_5),
            block("D wins completely", HALVE, AFTER_5),
            block("Mode collapse", MINIBATCH_FULL, AFTER_10),
        ]
    )

    output = chat(REPORT + "\n" + STILL * 2, answerer=ModelAnswerer(client=client))

    fixes = fix_lines(output)
    assert [fix[:20] for fix in fixes] == [SPECTRAL[:20], HALVE[:20], MINIBATCH[:20]]
    assert "fixes_already_tried" in client.calls[2][0]["content"]
    assert "answered by claude-scripted" in output


def test_model_repeat_replaced() -> None:
    # The second turn repeats spectral norm, is re-asked and repeats it again.
    client = ScriptedClient(
        [
            block("D wins completely", SPECTRAL_FULL, AFTER_5),
            block("D wins completely", SPECTRAL_FULL, AFTER_5),
            block("D wins completely", SPECTRAL_FULL, AFTER_5),
        ]
    )

    output = chat(REPORT + "\n" + STILL, answerer=ModelAnswerer(client=client))

    fixes = fix_lines(output)
    assert fixes[1].startswith(HALVE)
    assert "validation failed twice: fix_matches_mode" in output
    assert (
        "spectral_norm, which the user already tried" in client.calls[2][-1]["content"]
    )


def test_cli_pipe_has_no_prompts(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    env.pop("ANTHROPIC_API_KEY", None)

    done = subprocess.run(
        [sys.executable, "-m", "gan_triage", "chat", "--backend", "rules"],
        input=REPORT + "\n" + STILL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert done.returncode == 0
    assert "you>" not in done.stdout
    assert len(fix_lines(done.stdout)) == 2


@pytest.mark.parametrize("flag", ["--echo"])
def test_cli_echo_shows_turns(tmp_path: Path, flag: str) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}

    done = subprocess.run(
        [sys.executable, "-m", "gan_triage", "chat", "--backend", "rules", flag],
        input=STILL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert done.returncode == 0
    assert "you> still the same after 10 epochs" in done.stdout


def test_model_chat_over_http(tmp_path: Path) -> None:
    # The whole path with the real SDK: the installed command talks to a local
    # fake Messages API, and the second request carries the tried fix.
    from fake_api import FakeMessagesAPI, Reply
    from test_loop import D_LOSS, G_LOSS, GOOD, NOTES, SPECTRAL_NORM

    report = (
        f"d_loss_trend: '{D_LOSS}'\ng_loss_trend: '{G_LOSS}'\nsample_notes: '{NOTES}'\n"
    )
    halve = GOOD.replace(SPECTRAL_NORM, HALVE)
    with FakeMessagesAPI([Reply(GOOD), Reply(halve)]) as api:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ANTHROPIC_", "GAN_TRIAGE_"))
        }
        env.update(
            HOME=str(tmp_path),
            ANTHROPIC_API_KEY="dummy-key",
            ANTHROPIC_BASE_URL=api.url,
        )
        done = subprocess.run(
            [sys.executable, "-m", "gan_triage", "chat", "--backend", "anthropic"],
            input=report + "\n" + STILL,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        requests = list(api.requests)

    fixes = fix_lines(done.stdout)
    assert done.returncode == 0
    assert len(requests) == 2
    assert fixes[0].startswith(SPECTRAL)
    assert fixes[1].startswith(HALVE)
    second_user = requests[1].body["messages"][0]["content"]
    assert "fixes_already_tried" in second_user


def _read_until(fd: int, seen: bytearray, marker: bytes, count: int = 1) -> bool:
    """Read from the terminal until ``marker`` appeared ``count`` times (30 s)."""
    import select

    deadline = time.monotonic() + 30
    while seen.count(marker) < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen.extend(chunk)
    return seen.count(marker) >= count


def _wait_exit(pid: int) -> int | None:
    """Wait up to 10 s for the child, killing it if it does not exit."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_terminal_prompts_and_keys(tmp_path: Path) -> None:
    # In a terminal: a banner and prompts, Ctrl-C cancels the turn being typed,
    # Ctrl-D leaves with exit code 0, and the typed turns reach the readline
    # history file. Each key is sent only once the prompt is showing, so the
    # terminal is in readline's mode when it arrives.
    import pty

    env = {
        key: value for key, value in os.environ.items() if key != "ANTHROPIC_API_KEY"
    }
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), TERM="dumb")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(
            sys.executable,
            [sys.executable, "-m", "gan_triage", "chat", "--backend", "rules"],
            env,
        )
    seen = bytearray()

    prompted = _read_until(fd, seen, b"you> ")
    os.write(fd, b"/help\r")
    helped = _read_until(fd, seen, b"you> ", count=2)
    os.write(fd, b"half a turn")
    time.sleep(0.2)
    os.write(fd, b"\x03")
    cancelled = _read_until(fd, seen, b"you> ", count=3)
    os.write(fd, b"\x04")
    code = _wait_exit(pid)
    os.close(fd)

    assert prompted
    assert b"gan-triage chat (rule engine)" in seen
    assert helped
    assert b"/reset" in seen
    assert cancelled
    assert b"(turn cancelled)" in seen
    assert code == 0
    history = (tmp_path / "data" / "gan-triage" / "chat_history").read_text()
    assert "/help" in history


def test_missing_file_turn() -> None:
    output = chat("no/such/report.yaml\n")

    assert "error: no/such/report.yaml: file not found" in output


def test_question_keeps_rung() -> None:
    # The question repeats the fix and moves nothing, so "still the same" is
    # the first report back and gives D wins' second rung.
    text = REPORT + "\nhow do I add spectral norm to a Conv2d?\n" + STILL

    output = chat(text)

    fixes = fix_lines(output)
    assert len(fixes) == 2
    assert fixes[1].startswith(HALVE)
    assert "Asking about it does not mark it as tried" in output


def test_preamble_keeps_samples() -> None:
    text = (
        REPORT + "\nok I did that, now D loss is 0.7, 0.75, 0.68 and G loss 1.1, "
        "1.3, 1.0, and every sample is the same shoe\n"
    )

    output = chat(text)

    fixes = fix_lines(output)
    assert fixes[1].startswith(MINIBATCH)
    assert 'samples "every sample is the same shoe"' in output


def test_fixed_after_no_match_closes() -> None:
    text = (
        'd_loss_trend: "0.3, 0.2, 0.11"\ng_loss_trend: "5.5, 6, 6"\n\nthat fixed it\n'
    )

    output = chat(text)

    assert "send_evidence" not in output
    assert "nothing to triage" in output


def test_pasted_report_lists_tried() -> None:
    text = REPORT + 'fixes_already_tried: ["spectral norm"]\n\n'

    output = chat(text)

    assert fix_lines(output)[0].startswith(HALVE)


def test_run_keeps_report_tried_once(tmp_path: Path) -> None:
    run = RunHistory("listed", tmp_path)
    text = REPORT + "fixes_already_tried: [spectral_norm]\n\n" + STILL

    chat(text, run=run)

    assert run.read().state.tried == ["spectral_norm", "halve_d_lr"]
