"""Read the values, parts and direction out of one loss-trend string.

A trend is written by a person: "D error slides down: 0.598 -> 0.354 -> 0.200",
"G loss hovers around 5-11", "D real: 0.428, fake1: 0.016, fake2: 0.023". The
reader keeps every number as written and decides which of them are the loss's
values, which label a part of the loss, and which only count epochs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .loss_names import Side, aux_term, identifier_side, sides_named
from .number_text import Number, find_numbers, find_zero_word
from .report import NOT_REPORTED, Direction, Trend
from .trend_direction import (
    combine_directions,
    cue_direction,
    has_exact_cue,
    series_direction,
)

# Tags of numbers that are the loss itself or one of its two BCE halves.
VALUE_TAGS = ("value", "real", "fake", "both")
_NOT_REPORTED_PREFIXES = ("not reported", "not given", "not logged", "not available")
_RESET = re.compile(r";|\.\s|\|")
_NAME_BEFORE = re.compile(
    r"(?P<name>[A-Za-z][\w/]*)(?P<loss>\s+(?:loss(?:es)?|error|err))?"
    r"\s*(?P<sep>[:=])?\s*(?:mean\s*)?$",
    re.IGNORECASE,
)
_RANGE_START = re.compile(
    r"(?:between|anywhere from|ranging from|ranges? (?:from|of)|in the range)"
    r"\s*(?:[<>~≈]|under|below|over|about|around|roughly)?\s*$",
    re.IGNORECASE,
)
_RANGE_AND = re.compile(r"^\s*(?:and|to)\s*(?:[<>~≈]|under|below|over|about)?\s*$")
_RANGE_DASH = re.compile(r"^\s*[-–]\s*$")
# Separators between the names of one subject: "D_loss and G_loss", "the
# percep, Fake and Real".
_SUBJECT_GAP = re.compile(
    r"[A-Za-z][\w/']*(?:[\s,&/]+(?:and|or|the|both)?)*\s*", re.IGNORECASE
)
# A header that says which loss each position of the later tuples holds:
# "(D, G) pairs (-10472.333, 4983.048), ...".
_TUPLE_HEADER = re.compile(r"\(\s*([A-Za-z]\w*)\s*,\s*([A-Za-z]\w*)\s*\)")


@dataclass
class _Reading:
    """One loss-related number and the kind of number its label marks it as."""

    number: Number
    # "value", "real", "fake", "both" (a number given for both halves),
    # "score_real", "score_fake", "d_x", "d_g_z" or a non-adversarial term.
    tag: str
    series: str
    side: Side | None = None


def parse_trend(text: str, side: Side | None = None) -> Trend:
    """Parse one loss trend as a user wrote it.

    ``side`` ("d" or "g") names the loss the text is about; when the text also
    gives the other loss's numbers ("G: 1.51 | D: 0.21"), those are dropped.
    """
    if _not_reported(text):
        return Trend(text=text, reported=False)

    numbers = find_numbers(text)
    readings = _label(text, numbers)
    own_text = text
    if side is not None:
        own_text = _drop_other_side(text, readings, side)
        readings = [r for r in readings if r.side in (None, side)]
    outside = [r for r in readings if not r.number.in_parens]
    primary = outside if _value_readings(outside) else readings
    chosen = _value_readings(primary)
    values = [r.number.value for r in chosen]
    if not values and find_zero_word(own_text) is not None:
        values = [0.0]

    cue_text = _strip_numbered_parens(own_text) if primary is outside else own_text
    cue_text = _drop_aux_clauses(cue_text)
    is_range = _is_range(text, chosen)
    series = _series(chosen)
    direction = _direction(cue_text, series, is_range)
    exact = _exact(cue_text, values, direction)
    if exact and direction == "unknown":
        direction = "flat"
    return Trend(
        text=text,
        values=values,
        tokens=[number.text for number in numbers],
        is_range=is_range,
        direction=direction,
        exact_constant=exact,
        nonfinite=any(not math.isfinite(value) for value in values),
        parts=_parts(primary, readings),
    )


def _not_reported(text: str) -> bool:
    lowered = text.strip().lower().rstrip(".")
    return lowered in NOT_REPORTED or lowered.startswith(_NOT_REPORTED_PREFIXES)


def _value_readings(readings: list[_Reading]) -> list[_Reading]:
    """Return the plain loss values, or the BCE halves when no total is given."""
    plain = [r for r in readings if r.tag == "value"]
    if plain:
        return plain
    return [r for r in readings if r.tag in VALUE_TAGS]


def _label(text: str, numbers: list[Number]) -> list[_Reading]:
    """Tag each loss-related number from the words written just before it."""
    readings: list[_Reading] = []
    tag, series = "value", ""
    previous_end = 0
    for number in numbers:
        between = text[previous_end : number.start]
        previous_end = number.end
        if number.is_count:
            continue
        tag, series = _read_label(between, tag, series)
        readings.append(_Reading(number=number, tag=tag, series=series))
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


def _assign_sides(text: str, readings: list[_Reading]) -> None:
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


def _drop_other_side(text: str, readings: list[_Reading], side: Side) -> str:
    """Blank the stretches about the other loss, so its words give no cues.

    In "errD 0.0, errG 8.5 and rising" read for D, the stretch from "errG" to
    the next loss name contains a G number, so "rising" is not D's.
    """
    names = sides_named(text)
    kept = list(text)
    for index, (start, named) in enumerate(names):
        if named == side:
            continue
        end = names[index + 1][0] if index + 1 < len(names) else len(text)
        if any(r.side == named and start <= r.number.start < end for r in readings):
            kept[start:end] = " " * (end - start)
    return "".join(kept)


def _last_subject(between: str) -> set[Side]:
    """Return the sides named by the last subject in ``between``.

    Names joined only by "and", commas or slashes form one subject, so
    "D_loss and G_loss are" names both losses while "both D and G are stuck:
    D at" names D alone.
    """
    names = list(sides_named(between))
    names += [
        (match.start(), "d")
        for match in re.finditer(r"(?<![a-z])(?:real|fakes?)(?![a-z])", between.lower())
    ]
    names.sort()
    if not names:
        return set()
    subject = {names[-1][1]}
    for (start, named), (later, _) in zip(names[-2::-1], names[:0:-1], strict=True):
        gap = between[start:later]
        if not _SUBJECT_GAP.fullmatch(gap):
            break
        subject.add(named)
    return subject


def _assign_columns(text: str, readings: list[_Reading]) -> None:
    """Give the i-th number of each bracketed vector its own series.

    "[-923.4, -1826.9, 28.2, 621261.6], then [-809.0, ...]" logs several terms
    per step. The trend of each term runs down a column, not along a row, and
    a single vector has no trend at all.
    """
    groups = [
        (match.start(), match.end()) for match in re.finditer(r"\[[^\[\]]*\]", text)
    ]
    members = [
        [r for r in readings if start < r.number.start < end] for start, end in groups
    ]
    members = [group for group in members if len(group) >= 2]
    lengths = {len(group) for group in members}
    if not members or len(lengths) != 1:
        return
    for group in members:
        for column, reading in enumerate(group):
            reading.series = f"{reading.series}[{column}]"


def _series(chosen: list[_Reading]) -> list[list[float]]:
    grouped: dict[str, list[float]] = {}
    for reading in chosen:
        grouped.setdefault(reading.series, []).append(reading.number.value)
    return list(grouped.values())


def _is_range(text: str, chosen: list[_Reading]) -> bool:
    """True when the values are the two ends of one range ("5-11")."""
    if len(chosen) != 2:
        return False
    first, second = chosen[0].number, chosen[1].number
    joint = text[first.end : second.start]
    if _RANGE_DASH.match(joint):
        return True
    return bool(_RANGE_AND.match(joint) and _RANGE_START.search(text[: first.start]))


def _direction(cue_text: str, series: list[list[float]], is_range: bool) -> Direction:
    """Let three or more values decide; else the words; else two values.

    A swing word ("fluctuates", "jumps") still wins over one or two numbers.
    """
    finite = [[v for v in values if math.isfinite(v)] for values in series]
    if not is_range and any(len(values) >= 3 for values in finite):
        return combine_directions(
            [series_direction(values) for values in finite if len(values) >= 3]
        )
    cue = cue_direction(cue_text)
    if cue is not None:
        return cue
    if not is_range and any(len(values) == 2 for values in finite):
        return combine_directions(
            [series_direction(values) for values in finite if len(values) == 2]
        )
    return "unknown"


def _exact(cue_text: str, values: list[float], direction: Direction) -> bool:
    """True when the words or the numbers show that the loss never changes."""
    if direction in ("increasing", "decreasing", "oscillating"):
        return False
    if len(values) >= 3 and len(set(values)) == 1:
        return True
    return has_exact_cue(cue_text) and len(set(values)) <= 1


def _parts(primary: list[_Reading], every: list[_Reading]) -> dict[str, list[float]]:
    """Collect labelled parts. Side remarks add only parts the main text lacks."""
    parts: dict[str, list[float]] = {}
    for reading in primary:
        _add_part(parts, reading)
    main_keys = set(parts)
    for reading in every:
        if reading in primary:
            continue
        keys = ("real", "fake") if reading.tag == "both" else (reading.tag,)
        if not main_keys.intersection(keys):
            _add_part(parts, reading)
    return parts


def _add_part(parts: dict[str, list[float]], reading: _Reading) -> None:
    if reading.tag == "value":
        return
    keys = ("real", "fake") if reading.tag == "both" else (reading.tag,)
    for key in keys:
        parts.setdefault(key, []).append(reading.number.value)


def _drop_aux_clauses(text: str) -> str:
    """Drop later clauses about a non-adversarial term ("; L1 keeps falling")."""
    clauses = text.split(";")
    adversarial = [clauses[0]] + [c for c in clauses[1:] if aux_term(c) is None]
    return ";".join(adversarial)


def _strip_numbered_parens(text: str) -> str:
    """Drop the bracketed side remarks that hold numbers, keep "(decreasing)"."""
    result: list[str] = []
    depth = 0
    group: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        if depth == 0:
            result.append(char)
        else:
            group.append(char)
        if char == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                remark = "".join(group)
                group = []
                if not re.search(r"\d|nan|inf", remark, re.IGNORECASE):
                    result.append(remark)
    result.extend(group)
    return "".join(result)
