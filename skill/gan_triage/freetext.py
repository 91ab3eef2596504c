"""Turn a chat message about a GAN run into the report's fields.

"D loss fell from 0.69 to 0.0003 while errG climbed to 14, and every sample is
the same grey blob" gives ``d_loss_trend`` "D loss fell from 0.69 to 0.0003",
``g_loss_trend`` "errG climbed to 14" and ``sample_notes`` "every sample is the
same grey blob". Each field is a verbatim substring of the message, because
the [triage] block quotes the user's own words.

The message is cut into clauses, each clause is marked with what it is about
(D, G, both, samples, a non-adversarial term), and each field takes the best
run of adjacent clauses about its subject. A clause that gives both losses'
numbers ("G: 1.51 | D: 0.21", "(D, G) pairs (-10472.3, 4983.0)") is kept
whole for both fields; ``parse_trend(text, side=...)`` then keeps each loss's
own numbers.
"""

from __future__ import annotations

import re
from typing import Any

from .control_chars import reject_control_characters
from .errors import InputError
from .loss_names import Side
from .message_clauses import Clause, joined, split_clauses
from .message_settings import stated_settings
from .number_text import find_numbers
from .trend import parse_trend

NOT_REPORTED = "not reported"


def parse_free_text(text: str, origin: str) -> dict[str, Any]:
    """Read a chat message into the fields ``build_report`` takes.

    Raises InputError when the message names no D or G loss and describes no
    samples.
    """
    reject_control_characters(text, f"{origin}: the message")
    clauses = split_clauses(text)
    d_text = _loss_field(text, clauses, "d")
    g_text = _loss_field(text, clauses, "g")
    notes = _sample_field(text, clauses)
    named = any(clause.sides or clause.shared for clause in clauses)
    if d_text is None and g_text is None:
        # Numbers that belong to no named loss cannot be triaged, and a
        # reply about the samples alone would silently drop them.
        if not named and _fractions_outside_samples(text, notes):
            raise InputError(
                f"{origin}: gives numbers but names no D or G loss; name each "
                "loss in English, German, French or Spanish, e.g. "
                '"D loss 0.9 -> 0.1, G loss 1 -> 6"'
            )
    if d_text is None and g_text is None and notes is None:
        if named:
            raise InputError(
                f"{origin}: gives no numbers or direction for the D or G loss; "
                'write e.g. "D loss 0.9 -> 0.1, G loss 1 -> 6"'
            )
        raise InputError(
            f"{origin}: names no D or G loss; write e.g. "
            '"D loss 0.9 -> 0.1, G loss 1 -> 6"'
        )

    fields: dict[str, Any] = {
        "d_loss_trend": d_text or NOT_REPORTED,
        "g_loss_trend": g_text or NOT_REPORTED,
        "sample_notes": notes or NOT_REPORTED,
    }
    fields.update(stated_settings(text))
    tried = _fixes_stated_as_tried(text)
    if tried:
        fields["fixes_already_tried"] = tried
    return fields


# A sentence saying a fix is already in place: "I tried spectral norm already",
# "we already use TTUR", "SNGAN" (spectral norm is part of the model).
_TRIED_CUE = re.compile(
    r"\b(?:tried|already|applied|added|switched|using|use|used|have|has)\b",
    re.IGNORECASE,
)


# Fixes whose names also describe a plain setting: "batch size 64" is not
# doubling it, "using mixed precision" is the opposite of the float32 fix, and
# "we track FID" is not the equilibrium advice. These count only with proof.
_TRIED_PROOF = {
    "double_batch": re.compile(r"doubl", re.IGNORECASE),
    "fp32": re.compile(r"fp32|float32|(?:turned|switched) off|disabled", re.IGNORECASE),
    "continue_and_fid": re.compile(r"$^"),
}


def _fixes_stated_as_tried(text: str) -> list[str]:
    """Fix slugs the message says are tried or in place; questions do not count."""
    from .followup import find_fixes

    slugs: list[str] = []
    for sentence in re.split(r"(?<=[.!;\n])\s*", text):
        if "?" in sentence or not _TRIED_CUE.search(sentence):
            continue
        for slug in find_fixes(sentence):
            proof = _TRIED_PROOF.get(slug)
            if slug in slugs or (proof is not None and not proof.search(sentence)):
                continue
            slugs.append(slug)
    if re.search(r"\bSN-?GAN\b", text, re.IGNORECASE) and "spectral_norm" not in slugs:
        slugs.append("spectral_norm")
    return slugs


def _fractions_outside_samples(text: str, notes: str | None) -> bool:
    """True when two or more fractions stand outside the sample notes.

    Loss values are written as fractions ("0.9", "0,02"). Whole numbers are
    left out, because prose uses them for other things: "always produces the
    same digit, a 1 in my runs".
    """
    start = text.find(notes) if notes is not None else -1
    end = start + len(notes) if notes is not None else -1
    fractions = [
        number
        for number in find_numbers(text)
        if not number.is_count
        and re.search(r"[.,]\d", number.text)
        and not (start <= number.start < end)
    ]
    return len(fractions) >= 2


def _loss_field(text: str, clauses: list[Clause], side: Side) -> str | None:
    """Pick the run of adjacent clauses that best describes one loss.

    Clauses about someone else's run are used only when nothing else is.
    """
    own = _best_run(text, clauses, side, others=False)
    return own if own is not None else _best_run(text, clauses, side, others=True)


def _best_run(text: str, clauses: list[Clause], side: Side, others: bool) -> str | None:
    relevant: list[bool] = []
    for index, clause in enumerate(clauses):
        about = (side in clause.sides or clause.shared) and (
            others or not clause.other_person
        )
        follows = (
            index > 0
            and relevant[index - 1]
            and joined(clauses[index - 1], clause)
            and _continues(clause)
        )
        relevant.append(about or follows)
    _bridge(clauses, relevant, side)
    _share_verb(text, clauses, relevant, side)
    _share_closing_remark(text, clauses, relevant, side)
    _fill_gaps(clauses, relevant)

    best: tuple[tuple[bool, bool, bool], str] | None = None
    for run in _runs(clauses, relevant):
        span = text[run[0].start : run[-1].end]
        trend = parse_trend(span, side=side)
        if not trend.values and trend.direction == "unknown":
            continue
        score = (
            any(side in clause.sides for clause in run),
            bool(trend.values),
            trend.direction != "unknown",
        )
        if best is None or score > best[0]:
            best = (score, span)
    return best[1] if best else None


def _bridge(clauses: list[Clause], relevant: list[bool], side: Side) -> None:
    """Carry a statement about both losses over to a clause about one.

    In "Both losses oscillate wildly: D between 0.1 and 2, G between 1 and 8"
    G's run reaches back over D's clause to "Both losses oscillate wildly",
    and in "D 1.386, G 0.693, both static" D's run reaches forward to "both
    static". The trend reader then drops the other loss's numbers and words.
    """
    count = len(clauses)
    stating: int | None = None
    for index in range(count):
        if index and not joined(clauses[index - 1], clauses[index]):
            stating = None
        if side in clauses[index].sides and stating is not None:
            relevant[stating : index + 1] = [True] * (index + 1 - stating)
        if _states(clauses[index]):
            stating = index
    stating = None
    for index in range(count - 1, -1, -1):
        if index < count - 1 and not joined(clauses[index], clauses[index + 1]):
            stating = None
        if side in clauses[index].sides and stating is not None:
            relevant[index : stating + 1] = [True] * (stating + 1 - index)
        if _states(clauses[index]):
            stating = index


def _share_verb(
    text: str, clauses: list[Clause], relevant: list[bool], side: Side
) -> None:
    """Reach back to the other loss's clause when this one leaves out the verb.

    In "D loss jumps between 0.2 and 1.8 and G loss between 0.5 and 6" G's
    clause has numbers but no verb, and "jumps" is written once for both.
    """
    for index in range(1, len(clauses)):
        before, clause = clauses[index - 1], clauses[index]
        if (
            relevant[index - 1]
            or not relevant[index]
            or clause.joint not in ("and", ",", "while", "whereas")
            or not joined(before, clause)
            or not before.cue
            or side in before.sides
            or side not in clause.sides
        ):
            continue
        last = index
        while (
            last + 1 < len(clauses)
            and relevant[last + 1]
            and joined(clauses[last], clauses[last + 1])
        ):
            last += 1
        end = clauses[last].end
        alone = parse_trend(text[clause.start : end], side=side)
        shared = parse_trend(text[before.start : end], side=side)
        if alone.direction == "unknown" and shared.direction != "unknown":
            relevant[index - 1] = True


def _share_closing_remark(
    text: str, clauses: list[Clause], relevant: list[bool], side: Side
) -> None:
    """Reach over the other loss's clause to a remark that closes both.

    In "D loss 1.386 and G loss 0.693, flat for 20 epochs" D's clause has a
    number but no verb, and "flat for 20 epochs" is about both losses.
    """
    for index in range(len(clauses) - 2):
        clause, after = clauses[index], clauses[index + 1]
        if (
            not relevant[index]
            or relevant[index + 1]
            or side not in clause.sides
            or side in after.sides
            or after.joint not in ("and", "while", "whereas")
            or not joined(clause, after)
        ):
            continue
        last = index + 1
        while (
            last + 1 < len(clauses)
            and _continues(clauses[last + 1])
            and joined(clauses[last], clauses[last + 1])
        ):
            last += 1
        if last == index + 1:
            continue
        first = index
        while (
            first > 0
            and relevant[first - 1]
            and joined(clauses[first - 1], clauses[first])
        ):
            first -= 1
        start = clauses[first].start
        alone = parse_trend(text[start : clause.end], side=side)
        shared = parse_trend(text[start : clauses[last].end], side=side)
        if alone.direction == "unknown" and shared.direction != "unknown":
            relevant[index + 1 : last + 1] = [True] * (last - index)


def _fill_gaps(clauses: list[Clause], relevant: list[bool]) -> None:
    """Let a bare label such as "epoch 12" sit inside a run.

    In a pasted log "epoch 11: d_loss 0.51\nepoch 12: d_loss 0.49" the
    labels would otherwise cut D's run into one line per epoch.
    """
    for index in range(1, len(clauses) - 1):
        before, clause, after = clauses[index - 1 : index + 2]
        if (
            relevant[index - 1]
            and relevant[index + 1]
            and not relevant[index]
            and _bare_label(clause)
            and joined(before, clause)
            and joined(clause, after)
        ):
            relevant[index] = True


def _bare_label(clause: Clause) -> bool:
    """True for a clause that says nothing by itself, such as "epoch 12"."""
    return not (
        clause.sides
        or clause.shared
        or clause.aux
        or clause.sample
        or clause.numbers
        or clause.cue
        or clause.question
    )


def _states(clause: Clause) -> bool:
    """True for a clause about both losses that gives numbers or a trend."""
    return clause.shared and (clause.numbers or clause.cue)


def _continues(clause: Clause) -> bool:
    """True for a clause with no subject that goes on about the one before it."""
    bare = not (clause.sides or clause.shared or clause.aux or clause.sample)
    return bare and (clause.numbers or clause.cue)


def _sample_field(text: str, clauses: list[Clause]) -> str | None:
    """Pick the longest run of adjacent clauses about the samples."""
    relevant: list[bool] = []
    for index, clause in enumerate(clauses):
        follows = (
            index > 0
            and relevant[index - 1]
            and joined(clauses[index - 1], clause)
            and not (clause.sides or clause.shared or clause.aux or clause.question)
        )
        relevant.append(clause.sample or follows)
    runs = _runs(clauses, relevant)
    if not runs:
        return None
    longest = max(runs, key=len)
    return text[longest[0].start : longest[-1].end]


def _runs(clauses: list[Clause], relevant: list[bool]) -> list[list[Clause]]:
    """Group adjacent relevant clauses that belong to one statement."""
    runs: list[list[Clause]] = []
    for index, (clause, keep) in enumerate(zip(clauses, relevant, strict=True)):
        if not keep:
            continue
        before = clauses[index - 1] if index else None
        if runs and before is not None and runs[-1][-1] is before:
            if joined(before, clause):
                runs[-1].append(clause)
                continue
        runs.append([clause])
    return runs
