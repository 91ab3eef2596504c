"""The [triage] block: rendering, the evidence line, finding it in replies, repairs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gan_triage.block import (
    TriageBlock,
    find_blocks,
    format_evidence,
    parse_block,
    quote,
    render_block,
    repair_reply,
    text_outside_blocks,
)
from gan_triage.errors import BlockError, TriageError
from gan_triage.report import load_report

REPORTS = Path(__file__).parent / "data" / "reports"

BLOCK = TriageBlock(
    failure="D wins completely",
    evidence='d_loss "0.50, 0.08"',
    fix="Halve D's learning rate and leave G's unchanged.",
    retry="5 epochs",
)

CANONICAL = """[triage]
  failure:  D wins completely
  evidence: d_loss "0.50, 0.08"
  fix:      Halve D's learning rate and leave G's unchanged.
  retry:    5 epochs"""


def test_render_exact_layout() -> None:
    assert render_block(BLOCK) == CANONICAL


def test_evidence_quotes_all_three() -> None:
    report = load_report(REPORTS / "equilibrium.yaml")

    evidence = format_evidence(report)

    assert evidence == (
        'd_loss "1.39, 1.38, 1.39 (flat)"; g_loss "0.70, 0.69, 0.70 (flat)"; '
        'samples "varied digits that look reasonable"'
    )


def test_evidence_notes_with_quotes() -> None:
    report = load_report(REPORTS / "d_wins.yaml")

    evidence = format_evidence(report)

    # The notes hold double quotes, so single quotes delimit them instead.
    assert evidence.endswith(
        """; samples 'the same "grey static" pattern in every cell'"""
    )


def test_evidence_missing_fields() -> None:
    report = load_report(REPORTS / "partial.yaml")

    evidence = format_evidence(report, note="G below 0.1")

    assert evidence == (
        'd_loss not reported; g_loss "stuck at 1e-4"; samples not described; '
        "G below 0.1"
    )


def test_quote_picks_free_delimiters() -> None:
    assert quote("plain") == '"plain"'
    assert quote('say "hi"') == "'say \"hi\"'"
    assert quote("""it's "odd\"""") == """“it's "odd"”"""
    assert quote("two\nlines") == '"two lines"'


def test_parse_plain_block() -> None:
    assert parse_block(CANONICAL) == BLOCK


def test_parse_prose_and_fence() -> None:
    reply = (
        "Your D is far ahead of G.\n\n```text\n"
        + CANONICAL
        + "\n```\n\nCome back after the wait with new numbers."
    )

    assert parse_block(reply) == BLOCK


def test_parse_uneven_bold_tabs_crlf() -> None:
    reply = (
        "**[triage]**\r\n"
        "- **failure:** D wins completely\r\n"
        '\t**evidence**:\td_loss "0.50, 0.08"\r\n'
        "\r\n"
        "      fix :Halve D's learning rate and leave G's unchanged.\r\n"
        "retry:      5 epochs\r\n"
    )

    assert parse_block(reply) == BLOCK


def test_parse_value_on_next_lines() -> None:
    reply = (
        "[triage]\n"
        "  failure:\n"
        "    D wins completely\n"
        '  evidence: d_loss "0.50,\n'
        '            0.08"\n'
        "  fix: Halve D's learning rate and leave G's unchanged.\n"
        "  retry: 5 epochs\n"
    )

    block = parse_block(reply)

    assert block.failure == "D wins completely"
    assert block.evidence == 'd_loss "0.50, 0.08"'


def test_parse_stops_at_prose() -> None:
    reply = CANONICAL + "\nThat is all.\n"

    block = parse_block(reply)

    assert block.retry == "5 epochs"


def test_parse_unwraps_bold_value() -> None:
    reply = CANONICAL.replace("D wins completely", "**D wins completely**")

    assert parse_block(reply).failure == "D wins completely"


def test_parse_no_block() -> None:
    with pytest.raises(BlockError, match="no \\[triage\\] block"):
        parse_block("failure: D wins completely\nfix: add spectral norm")


def test_parse_two_blocks() -> None:
    with pytest.raises(BlockError, match="2 \\[triage\\] blocks"):
        parse_block(CANONICAL + "\n\n" + CANONICAL)


def test_parse_missing_field() -> None:
    reply = CANONICAL.replace("  fix:      Halve D's learning rate", "  Halve")

    with pytest.raises(BlockError, match="no fix field"):
        parse_block(reply)


def test_parse_empty_field() -> None:
    reply = CANONICAL.replace("5 epochs", "")

    with pytest.raises(BlockError, match="empty retry"):
        parse_block(reply)


def test_block_error_is_triage_error() -> None:
    assert issubclass(BlockError, TriageError)


def test_find_two_blocks() -> None:
    reply = CANONICAL + "\n\nOr, if you prefer:\n\n" + CANONICAL

    blocks = find_blocks(reply)

    assert len(blocks) == 2
    assert blocks[0].start == 0
    assert blocks[1].start == 8


def test_find_extra_field() -> None:
    reply = CANONICAL.replace("  fix:", "  confidence: high\n  fix:")

    (block,) = find_blocks(reply)

    assert [entry.name for entry in block.extras] == ["confidence"]
    assert [entry.name for entry in block.fields] == [
        "failure",
        "evidence",
        "fix",
        "retry",
    ]


def test_find_header_only() -> None:
    (block,) = find_blocks("[triage]\n\nNothing fits.")

    assert block.fields == []


def test_outside_text() -> None:
    reply = "Before.\n" + CANONICAL + "\nAfter."

    assert text_outside_blocks(reply) == "Before.\nAfter."


def test_repair_canonical_layout() -> None:
    reply = (
        "Here it is:\r\n"
        "```\r\n"
        "[Triage]\r\n"
        "- **failure:** D wins completely\r\n"
        "\r\n"
        '   evidence:d_loss "0.50, 0.08"\r\n'
        "\t**fix**:   Halve D's learning rate and leave G's unchanged.\r\n"
        "retry: 5 epochs\r\n"
        "```\r\n"
        "Good luck.\r\n"
    )

    repaired = repair_reply(reply)

    assert repaired == "Here it is:\n" + CANONICAL + "\nGood luck.\n"


def test_repair_keeps_continuations() -> None:
    reply = "[triage]\nfailure: X\nevidence: a\n  b\nfix: c\nretry: 5 epochs"

    repaired = repair_reply(reply)

    assert repaired == (
        "[triage]\n"
        "  failure:  X\n"
        "  evidence: a\n"
        "            b\n"
        "  fix:      c\n"
        "  retry:    5 epochs"
    )


def test_repair_is_idempotent() -> None:
    reply = "```\n[triage]\n**failure**: X\nevidence:  a\nfix: c\nretry: 5 epochs\n```"

    once = repair_reply(reply)

    assert repair_reply(once) == once


def test_repair_leaves_other_fences() -> None:
    reply = "```python\nprint(1)\n```\n" + CANONICAL

    assert repair_reply(reply) == reply


def test_repair_adds_missing_header() -> None:
    reply = "Diagnosis:\n\n**failure:** X\nevidence: a\nfix: c\nretry: 5 epochs\n\nBye."

    repaired = repair_reply(reply)

    assert repaired == (
        "Diagnosis:\n"
        "\n"
        "[triage]\n"
        "  failure:  X\n"
        "  evidence: a\n"
        "  fix:      c\n"
        "  retry:    5 epochs\n"
        "\n"
        "Bye."
    )


def test_repair_no_header_incomplete() -> None:
    reply = "failure: X\nfix: c"

    assert repair_reply(reply) == reply


def test_keyed_continuation_line() -> None:
    reply = (
        "[triage]\n"
        "  failure:  Oscillation / no convergence\n"
        '  evidence: d_loss "0.2, 1.9, 0.3"\n'
        "  fix:\n"
        "    Use TTUR: set D's learning rate to 4e-4 and G's to 1e-4.\n"
        "  retry:    10 epochs\n"
    )

    (block,) = find_blocks(reply)

    assert block.extras == []
    assert parse_block(reply).fix == (
        "Use TTUR: set D's learning rate to 4e-4 and G's to 1e-4."
    )


def test_long_blank_line_fast() -> None:
    # With two whitespace runs side by side in the header pattern, 20k spaces
    # took 1.6 s (measured), so 100k would take about 40 s (quadratic estimate).
    reply = (
        " " * 100_000 + "x\n[triage]" + " " * 100_000 + "\n  failure: x" + " " * 100_000
    )

    started = time.perf_counter()
    blocks = find_blocks(reply)
    repair_reply(reply)
    elapsed = time.perf_counter() - started

    assert len(blocks) == 1
    assert elapsed < 5
