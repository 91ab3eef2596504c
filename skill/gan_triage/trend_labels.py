"""Tag the numbers of a loss trend from the words written before them.

Each loss-related number gets three labels. Its tag says what it measures:
a plain value, a real or fake half, a critic score, a D output or a
non-adversarial term. Its series groups the numbers of one named term over
time, and its side says whether it is D's or G's when the text gives both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .loss_names import Side, aux_term, identifier_side, sides_named, slash_pair
from .number_text import Number

_RESET = re.compile(r";|\.\s|\|")
_NAME_BEFORE = re.compile(
    r"(?P<name>[A-Za-z][\w/]*)(?P<loss>\s+(?:loss(?:es)?|error|err))?"
    r"\s*(?P<sep>[:=])?\s*(?:mean\s*)?$",
    re.IGNORECASE,
)
# Separators between the names of one subject: "D_loss and G_loss", "the
# percep, Fake and Real".
_SUBJECT_GAP = re.compile(
    r"[A-Za-z][\w/']*(?:[\s,&/]+(?:and|or|the|both)?)*\s*", re.IGNORECASE
)
# A pair of loss names before a pair of numbers: "errD/errG: 0.01/14.2".
_SLASH_LABEL = re.compile(
    r"([A-Za-z]\w*\s*/\s*[A-Za-z]\w*)(?:\s+loss(?:es)?)?\s*[:=]?\s*$",
    re.IGNORECASE,
)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
# A header that says which loss each position of the later tuples holds:
# "(D, G) pairs (-10472.333, 4983.048), ...".
_TUPLE_HEADER = re.compile(r"\(\s*([A-Za-z]\w*)\s*,\s*([A-Za-z]\w*)\s*\)")


@dataclass
class Reading:
    """One loss-related number and the kind of number its label marks it as."""

    number: Number
    # "value", "real", "fake", "both" (a number given for both halves),
    # "score_real", "score_fake", "d_x", "d_g_z" or a non-adversarial term.
    tag: str
    series: str
    side: Side | None = None


def label_numbers(text: str, numbers: list[Number]) -> list[Reading]:
    """Tag each loss-related number from the words written just before it."""
    readings: list[Reading] = []
    tag, series = "value", ""
    previous_end = 0
    for number in numbers:
        between = text[previous_end : number.start]
        previous_end = number.end
        if number.is_count:
            continue
        tag, series = _read_label(between, tag, series)
        readings.append(Reading(number=number, tag=tag, series=series))
    _assign_sides(text, readings)
    _assign_columns(text, readings)
    return readings


def _read_label(between: str, tag: str, series: str) -> tuple[str, str]:
    """Return the tag and series for a number, inheriting them when unlabelled."""
    lowered = between.lower()
    real = re.search(r"(?<![a-z])real(?![a-z])", lowered) is not None
    fake = re.search(r"(?<![a-z])fakes?(?![a-z])", lowered) is not None
    if re.search(r"d\s*\(\s*g\s*\(\s*z\s*\)\s*\)|\bd_g_z\b", lowered):
        return "d_g_z", "d_g_z"
    # "D_X loss" is CycleGAN's discriminator for domain X, not D(x).
    if re.search(r"d\s*\(\s*x\s*\)|\bd_x\b(?!\s*loss)", lowered):
        return "d_x", "d_x"
    if (real or fake) and re.search(r"scores?|logits?", lowered):
        return ("score_real" if real else "score_fake"), lowered
    if real and fake:
        return "both", "both"
    if real or fake:
        # "fake1: 0.016, fake2: 0.023" are two terms, not one term over time.
        half = "real" if real else "fake"
        names = re.findall(rf"[\w/]*{half}[\w/]*", lowered)
        return half, names[-1] if names else half
    aux = aux_term(between)
    if aux is not None:
        return aux, aux
    name = _series_name(between)
    if name is not None:
        return "value", name
    if _RESET.search(between):
        return "value", ""
    return tag, series


def _series_name(between: str) -> str | None:
    """Return the loss name written right before a number ("F_loss=", "errG ")."""
    match = _NAME_BEFORE.search(between.rstrip())
    if match is None:
        return None
    name = match.group("name")
    if match.group("loss"):
        return f"{name} loss".lower()
    lowered = name.lower()
    named = identifier_side(name) is not None or "loss" in lowered or "err" in lowered
    if match.group("sep") or named:
        return lowered
    return None


def _assign_sides(text: str, readings: list[Reading]) -> None:
    """Mark each number as D's or G's, from the loss names written before it.

    Only the last subject since the previous number counts. A subject that
    lists both losses ("the percep, Fake and Real losses all hover around
    0.69") gives the number to both, and a number after no name keeps its
    neighbour's side.
    """
    side: Side | None = None
    previous_end = 0
    for reading in readings:
        between = text[previous_end : reading.number.start]
        previous_end = reading.number.end
        named = _last_subject(between)
        if len(named) == 1:
            side = named.pop()
        elif named:
            side = None
        reading.side = side

    _assign_slash_pairs(text, readings)
    _assign_respectively(text, readings)
    header = _TUPLE_HEADER.search(text)
    if header is None:
        return
    order = [identifier_side(header.group(1)), identifier_side(header.group(2))]
    if None in order or order[0] == order[1]:
        return
    tuples = re.finditer(r"\(([^()]*)\)", text[header.end() :])
    for group in tuples:
        start = header.end() + group.start(1)
        end = header.end() + group.end(1)
        inside = [r for r in readings if start <= r.number.start < end]
        if len(inside) == 2:
            inside[0].side, inside[1].side = order[0], order[1]


def _assign_slash_pairs(text: str, readings: list[Reading]) -> None:
    """Give "errD/errG: 0.01/14.2" its D and G numbers in the order named."""
    for first, second in zip(readings, readings[1:], strict=False):
        joint = text[first.number.end : second.number.start]
        if not re.fullmatch(r"\s*/\s*", joint):
            continue
        label = _SLASH_LABEL.search(text[: first.number.start])
        pair = slash_pair(label.group(1)) if label is not None else None
        if pair is not None:
            first.side, second.side = pair


def _assign_respectively(text: str, readings: list[Reading]) -> None:
    """Pair "D and G losses are 0.02 and 14 respectively" in the order named."""
    word = _RESPECTIVELY.search(text)
    if word is None:
        return
    shared = [r for r in readings if r.side is None and r.number.end <= word.start()]
    if len(shared) != 2:
        return
    named = [side for _, side in sides_named(text[: shared[0].number.start])]
    order = named[-2:]
    if len(order) == 2 and order[0] != order[1]:
        shared[0].side, shared[1].side = order[0], order[1]


def drop_other_side(text: str, readings: list[Reading], side: Side) -> str:
    """Blank the stretches about the other loss alone, so its words give no cues.

    In "errD 0.0, errG 8.5 and rising" read for D, the stretch from "errG" on
    is about G, so "rising" is not D's. A stretch is about the other loss when
    its subject names only that loss and its numbers, if any, are that loss's.
    """
    subjects = _subjects(text)
    kept = list(text)
    position = 0
    for index, (start, named) in enumerate(subjects):
        end = subjects[index + 1][0] if index + 1 < len(subjects) else len(text)
        inside: list[Reading] = []
        while position < len(readings) and readings[position].number.start < end:
            if readings[position].number.start >= start:
                inside.append(readings[position])
            position += 1
        if side in named:
            continue
        if all(r.side is not None and r.side != side for r in inside):
            kept[start:end] = " " * (end - start)
    return "".join(kept)


def _subjects(text: str) -> list[tuple[int, set[Side]]]:
    """Group the loss names in ``text`` into subjects, with where each starts.

    Names joined only by "and", commas or slashes form one subject, so
    "D_loss and G_loss are" names both losses while "both D and G are stuck:
    D at" ends with a subject that names D alone. "real" and "fake" name D's
    two halves, and "both" names both losses.
    """
    lowered = text.lower()
    names = list(sides_named(text))
    names += [
        (match.start(), "d")
        for match in re.finditer(r"(?<![a-z])(?:real|fakes?)(?![a-z])", lowered)
    ]
    for match in re.finditer(r"\bboth\b", lowered):
        names += [(match.start(), "d"), (match.start(), "g")]
    names.sort()
    subjects: list[tuple[int, set[Side]]] = []
    for index, (start, named) in enumerate(names):
        gap = text[names[index - 1][0] : start] if index else ""
        if subjects and (not gap or _SUBJECT_GAP.fullmatch(gap)):
            subjects[-1][1].add(named)
        else:
            subjects.append((start, {named}))
    return subjects


def _last_subject(between: str) -> set[Side]:
    """Return the sides named by the last subject in ``between``."""
    subjects = _subjects(between)
    return subjects[-1][1] if subjects else set()


def _assign_columns(text: str, readings: list[Reading]) -> None:
    """Give the i-th number of each bracketed vector its own series.

    "[-923.4, -1826.9, 28.2, 621261.6], then [-809.0, ...]" logs several terms
    per step. The trend of each term runs down a column, not along a row, and
    a single vector has no trend at all.
    """
    members: list[list[Reading]] = []
    position = 0
    for match in re.finditer(r"\[[^\[\]]*\]", text):
        group: list[Reading] = []
        while (
            position < len(readings) and readings[position].number.start < match.end()
        ):
            if readings[position].number.start > match.start():
                group.append(readings[position])
            position += 1
        if len(group) >= 2:
            members.append(group)
    lengths = {len(group) for group in members}
    if not members or len(lengths) != 1:
        return
    for group in members:
        for column, reading in enumerate(group):
            reading.series = f"{reading.series}[{column}]"
