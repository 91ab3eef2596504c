"""Read the numbers and the direction out of one loss-trend string."""

from __future__ import annotations

import math
import re

from .report import NOT_REPORTED, Direction, Trend

NUMBER = re.compile(
    r"(?<![\w.])[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]*\d)"
    r"|(?<![\w])(?:nan|NaN|NAN|inf|Inf|INF|-inf|-Inf)(?![\w])"
)

# A number right after one of these words counts epochs or steps, not loss.
INDEX_WORD = re.compile(
    r"(?:epochs?|iter(?:ation)?s?|steps?|batch(?:es)?|batch size|kimg|it|of|"
    r"epoch ~|around epoch ~?)\s*[:=#~]?\s*$",
    re.IGNORECASE,
)
RANGE = re.compile(
    r"between\s+\S+\s+and\s+\S+|(?<![\w.])\d*\.?\d+\s*[-–]\s*\d*\.?\d+(?![\w.])",
    re.IGNORECASE,
)
WORD_NUMBERS = {"zero": 0.0}

EXACT_CUES = (
    "stuck at",
    "no variance",
    "never move",
    "not moving at all",
    "at every step",
    "at every epoch",
    "every step",
    "exactly",
    "to the last digit",
    "freeze",
    "frozen",
)
RISING_CUES = ("increas", "climb", "rising", "rises", "grow", "goes up", "creep")
FALLING_CUES = ("decreas", "falling", "falls", "fell", "drop", "goes to", "slides")
FLAT_CUES = ("stays", "stay", "flat", "stuck", "settle", "hover", "static", "constant")
SWING_CUES = ("oscillat", "fluctuat", "swing", "jump", "spike", "unstable")


def parse_number(token: str) -> float:
    return float(token.replace("−", "-"))


def parse_trend(text: str) -> Trend:
    """Parse a trend such as ``"0.9, 0.4, 0.1 (decreasing)"`` into a Trend."""
    stripped = text.strip()
    if stripped.lower().rstrip(".") in NOT_REPORTED or stripped.lower().startswith(
        "not reported"
    ):
        return Trend(text=text, reported=False)

    tokens = [match.group(0) for match in NUMBER.finditer(text)]
    values = _loss_values(text)
    lowered = text.lower()
    if not values:
        for word, number in WORD_NUMBERS.items():
            if re.search(rf"\b{word}\b", lowered):
                values = [number]
    nonfinite = any(not math.isfinite(value) for value in values)
    is_range = bool(RANGE.search(text)) and len(values) == 2
    return Trend(
        text=text,
        values=values,
        tokens=tokens,
        is_range=is_range,
        direction=_direction(lowered, values, is_range),
        exact_constant=_exact(lowered, values),
        nonfinite=nonfinite,
    )


def _loss_values(text: str) -> list[float]:
    """Collect loss values, preferring numbers outside parentheses."""
    outside: list[float] = []
    inside: list[float] = []
    depth = 0
    position = 0
    for match in NUMBER.finditer(text):
        depth += text.count("(", position, match.start())
        depth -= text.count(")", position, match.start())
        position = match.start()
        if INDEX_WORD.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        (inside if depth > 0 else outside).append(parse_number(match.group(0)))
    return outside or inside


def _direction(lowered: str, values: list[float], is_range: bool) -> Direction:
    if any(cue in lowered for cue in SWING_CUES):
        return "oscillating"
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) >= 3 and not is_range:
        return _numeric_direction(finite)
    if any(cue in lowered for cue in RISING_CUES):
        return "increasing"
    if any(cue in lowered for cue in FALLING_CUES):
        return "decreasing"
    if any(cue in lowered for cue in FLAT_CUES):
        return "flat"
    if len(finite) == 2 and not is_range:
        return _numeric_direction(finite)
    return "unknown"


def _numeric_direction(values: list[float]) -> Direction:
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    span = max(values) - min(values)
    scale = max(abs(sum(values) / len(values)), 1e-12)
    if span <= 0.05 * scale:
        return "flat"
    rising = sum(step > 0 for step in steps)
    falling = sum(step < 0 for step in steps)
    if rising and not falling:
        return "increasing"
    if falling and not rising:
        return "decreasing"
    reversals = sum(
        1 for a, b in zip(steps, steps[1:], strict=False) if a * b < 0
    )
    if reversals >= 2:
        return "oscillating"
    return "increasing" if values[-1] > values[0] else "decreasing"


def _exact(lowered: str, values: list[float]) -> bool:
    if any(cue in lowered for cue in EXACT_CUES):
        return True
    return len(values) >= 3 and len(set(values)) == 1
