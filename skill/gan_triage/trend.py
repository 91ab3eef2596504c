"""Read the values, parts and direction out of one loss-trend string.

A trend is written by a person: "D error slides down: 0.598 -> 0.354 -> 0.200",
"G loss hovers around 5-11", "D real: 0.428, fake1: 0.016, fake2: 0.023". The
reader keeps every number as written and decides which of them are the loss's
values, which label a part of the loss, and which only count epochs.
"""

from __future__ import annotations

import math
import re

from .loss_names import LOSS_WORD, Side, aux_term, sides_named
from .number_text import find_numbers, find_zero_word
from .report import NOT_REPORTED, Direction, Trend
from .trend_direction import (
    combine_directions,
    cue_direction,
    has_exact_cue,
    series_direction,
)
from .trend_labels import Reading, drop_other_side, label_numbers

# Tags of numbers that are the loss itself or one of its two BCE halves.
VALUE_TAGS = ("value", "real", "fake", "both")
# Openings that mean the loss was not given, when no number follows them:
# "unknown (not logged)", "not shown in the thread".
_NOT_REPORTED_PREFIXES = (
    "not reported",
    "not given",
    "not logged",
    "not available",
    "not described",
    "not shown",
    "not tracked",
    "not recorded",
    "not provided",
    "unknown",
    "n/a",
    "no data",
    "did not log",
    "didn't log",
)
_RANGE_START = re.compile(
    r"(?:between|anywhere from|ranging from|ranges? (?:from|of)|in the range)"
    r"\s*(?:[<>~≈]|under|below|over|about|around|roughly)?\s*$",
    re.IGNORECASE,
)
_RANGE_AND = re.compile(r"^\s*(?:and|to)\s*(?:[<>~≈]|under|below|over|about)?\s*$")
# "5-11", "5 – 11" and "0.5~1.0"; "0.3 ~0.5" is a value and an estimate.
_RANGE_DASH = re.compile(r"^(?:[-–~]|\s+[-–~]\s+|\s*[-–]\s*)$")
# "and G" or "and the generator's" opening the second loss's part.
_AND_BEFORE = re.compile(
    r"(?:\b(?:and|und|et|y|while|whereas)\s+|(?P<comma>,\s*))"
    r"(?:the\s+|la\s+|el\s+)?$",
    re.IGNORECASE,
)
# A loss's name, an optional loss word, then a number or a range.
_GAPPED = re.compile(
    rf"[^\W\d][\w/']*(?:\s+(?:{LOSS_WORD.pattern}))?\s*"
    r"(?:between|from|at|around|about|near|in|within|ranging from|of)?\s*"
    r"[-+−~≈]?\s*\.?\d",
    re.IGNORECASE,
)
# "in [0.3, 0.9]" and "within (0.3, 0.9)".
_RANGE_BRACKET = re.compile(r"(?:\bin|\bwithin|\brange|\bbetween)\s*[\[(]\s*$")


def parse_trend(text: str, side: Side | None = None) -> Trend:
    """Parse one loss trend as a user wrote it.

    ``side`` ("d" or "g") names the loss the text is about. When the text also
    gives the other loss's numbers ("G: 1.51 | D: 0.21"), those are dropped,
    and so are the words written only about the other loss.
    """
    if _not_reported(text):
        return Trend(text=text, reported=False)

    numbers = find_numbers(text)
    every_reading = label_numbers(text, numbers)
    readings = every_reading
    own_text = text
    if side is not None:
        own_text = drop_other_side(text, readings, side)
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
    if direction == "unknown" and side is not None:
        shared_verb = _gapped_verb_text(text, side, is_range)
        if shared_verb is None:
            shared_verb = _trailing_flat_text(text, side, every_reading)
        if shared_verb is not None:
            cue_text = _drop_aux_clauses(shared_verb)
            direction = cue_direction(cue_text) or "unknown"
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


def _gapped_verb_text(text: str, side: Side, is_range: bool) -> str | None:
    """Return the other loss's words when this loss shares its verb.

    In "D oscillates between 0.1 and 2 and G between 1 and 8" the verb is
    written once, for D, and G's part leaves it out. G's part must follow
    "and" or "while" and go from its name straight to its numbers. After a
    comma only a range shares the verb, because "D loss falling to 0.1, G
    loss 5" gives G a value, not a fall.
    """
    named = sides_named(text)
    own = [start for start, named_side in named if named_side == side]
    other = [start for start, named_side in named if named_side != side]
    if not own or not other or min(other) > own[0]:
        return None
    before = text[: own[0]]
    joint = _AND_BEFORE.search(before)
    if joint is None or not _GAPPED.match(text, own[0]):
        return None
    if joint.group("comma") and not is_range:
        return None
    return before


def _trailing_flat_text(text: str, side: Side, readings: list[Reading]) -> str | None:
    """Return a closing "flat"/"stuck" remark that both losses share.

    In "D loss 1.386 and G loss 0.693, flat for 20 epochs" neither loss has a
    verb of its own, so the closing remark is about both. Only a flat remark
    is shared, and a closing "rising" is read as about the nearer loss only.
    """
    named = sides_named(text)
    own = [start for start, named_side in named if named_side == side]
    other = [start for start, named_side in named if named_side != side]
    if not own or not other or max(own) > min(other):
        return None
    joint = _AND_BEFORE.search(text[: other[0]])
    if joint is None or joint.group("comma"):
        return None
    if not (_GAPPED.match(text, own[0]) and _GAPPED.match(text, other[0])):
        return None
    if cue_direction(text[: other[0]]) is not None:
        return None
    ends = [r.number.end for r in readings if r.side not in (None, side)]
    remark = text[max(ends) :] if ends else ""
    if sides_named(remark) or cue_direction(remark) != "flat":
        return None
    return remark


def _not_reported(text: str) -> bool:
    lowered = text.strip().lower().rstrip(".")
    if lowered in NOT_REPORTED:
        return True
    return lowered.startswith(_NOT_REPORTED_PREFIXES) and not find_numbers(text)


def _value_readings(readings: list[Reading]) -> list[Reading]:
    """Return the plain loss values, or the BCE halves when no total is given."""
    plain = [r for r in readings if r.tag == "value"]
    if plain:
        return plain
    return [r for r in readings if r.tag in VALUE_TAGS]


def _series(chosen: list[Reading]) -> list[list[float]]:
    grouped: dict[str, list[float]] = {}
    for reading in chosen:
        grouped.setdefault(reading.series, []).append(reading.number.value)
    return list(grouped.values())


def _is_range(text: str, chosen: list[Reading]) -> bool:
    """True when the values are the two ends of one range ("5-11")."""
    if len(chosen) != 2:
        return False
    first, second = chosen[0].number, chosen[1].number
    joint = text[first.end : second.start]
    before = text[: first.start]
    if _RANGE_DASH.match(joint):
        return True
    if re.fullmatch(r"\s*,\s*", joint) and _RANGE_BRACKET.search(before):
        return True
    return bool(_RANGE_AND.match(joint) and _RANGE_START.search(before))


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


def _parts(primary: list[Reading], every: list[Reading]) -> dict[str, list[float]]:
    """Collect labelled parts. Side remarks add only parts the main text lacks."""
    parts: dict[str, list[float]] = {}
    for reading in primary:
        _add_part(parts, reading)
    main_keys = set(parts)
    in_primary = {id(reading) for reading in primary}
    for reading in every:
        if id(reading) in in_primary:
            continue
        keys = ("real", "fake") if reading.tag == "both" else (reading.tag,)
        if not main_keys.intersection(keys):
            _add_part(parts, reading)
    return parts


def _add_part(parts: dict[str, list[float]], reading: Reading) -> None:
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
