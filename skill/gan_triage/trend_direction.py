"""Decide a loss's direction from its numbers or from the words around them."""

from __future__ import annotations

import re

from .report import Direction

# A sequence whose whole span is within 5% of its largest magnitude is flat.
# This cut, chosen by hand from real reports, reads StyleGAN-XL's G loss
# 17.69, 17.92, 17.73 (span 1.3%) as flat and SRGAN's D loss 0.937, 0.851,
# 0.830 (span 11%) as falling.
FLAT_FRACTION = 0.05
# A step counts towards a reversal only when it covers a quarter of the span,
# so small wobbles on a steady slide are not read as swings.
SIGNIFICANT_STEP = 0.25
# One large move that is undone again is a swing when the sequence ends
# within a quarter of the span of where it began. Per-batch WGAN-GP critic
# values -10472, -10244, -355, 116, -10457 are such a swing.
RETURN_FRACTION = 0.25

_SWING = re.compile(
    r"oscillat\w*|fluctuat\w*|swing\w*|swung|jump\w*|spik\w*|unstable|"
    r"erratic\w*|bounc\w*|flicker\w*|up and down|zig-?zag\w*|all over the place",
    re.IGNORECASE,
)
_RISE = re.compile(
    r"increas\w*|climb\w*|\bris(?:e|es|ing)\b|\brose\b|grow\w*|\bgrew\b|"
    r"\b(?:go|goes|going|went|gone) up\b|creep\w*|\bcrept\b|upward\w*|"
    r"shoot\w* up|explod\w*|blow\w* up|higher and higher",
    re.IGNORECASE,
)
_FALL = re.compile(
    r"decreas\w*|\bfall\w*|\bfell\b|\bdrop\w*|\bslid\w*|downward\w*|shrink\w*|"
    r"\bshrank\b|declin\w*|\b(?:go|goes|going|went|gone) down\b|\bdown to\b|"
    r"\b(?:go|goes|going|went|gone|tends?) to (?:0|zero|near zero)\b|"
    r"lower and lower|vanish\w*",
    re.IGNORECASE,
)
_FLAT = re.compile(
    r"\bstay\w*|\bflat\b|\bstuck\b|settl\w*|hover\w*|\bstatic\b|\bconstant\b|"
    r"plateau\w*|\bsits?\b|\bsitting\b|\bremain\w*|unchanged|not moving|"
    r"never mov\w*|\bstable\b|\bsteady\b|freez\w*|\bfroze\w*|no variance|"
    r"(?:not|n't|never) (?:chang|mov)\w*|the whole time|all along|throughout|"
    r"\bno change|"
    r"for ages|for a long time|for (?:thousands|hundreds) of",
    re.IGNORECASE,
)
# A negation denies the cue right after it ("does not decrease", "no spikes").
_NEGATION = re.compile(
    r"(?:\bnot|\bnever|\bno|\bwithout|n't|\bhardly|\bbarely)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_EXACT = re.compile(
    r"\bstuck (?:at|on)\b(?!\s*(?:about|around|roughly|approx\w*|~|≈|near|close))|"
    r"\b(?:no|zero|without any) variance|never (?:mov|chang)\w*|"
    r"not (?:moving|changing) at all|(?:not|n't) (?:move|change) at all|"
    r"\bevery (?:single )?(?:step|epoch|iteration|iter|batch)\b|"
    r"to the last digit|\bfreez\w*|\bfroze\w*|\bidentical\b|exactly the same|"
    r"same value|\bno change|(?:does not|doesn't|did not|didn't|has not|hasn't) "
    r"(?:chang|mov)\w*|"
    # "constant" unless hedged: "roughly constant" is only flat.
    r"(?<!roughly )(?<!almost )(?<!nearly )(?<!fairly )(?<!pretty )\bconstant\b",
    re.IGNORECASE,
)


def series_direction(values: list[float]) -> Direction:
    """Read the direction of one series of finite values in time order."""
    if len(values) < 2:
        return "unknown"
    span = max(values) - min(values)
    scale = max(abs(value) for value in values)
    if span <= FLAT_FRACTION * scale:
        return "flat"

    steps = [after - before for before, after in zip(values, values[1:], strict=False)]
    big = [step for step in steps if abs(step) >= SIGNIFICANT_STEP * span]
    reversals = sum(1 for a, b in zip(big, big[1:], strict=False) if a * b < 0)
    net = values[-1] - values[0]
    if reversals >= 2 or (reversals == 1 and abs(net) <= RETURN_FRACTION * span):
        return "oscillating"
    return "increasing" if net > 0 else "decreasing"


def combine_directions(directions: list[Direction]) -> Direction:
    """Merge the directions of parallel series (several terms of one loss)."""
    if not directions:
        return "unknown"
    if "oscillating" in directions:
        return "oscillating"
    if len(set(directions)) == 1:
        return directions[0]
    return "unknown"


def cue_direction(text: str) -> Direction | None:
    """Read the direction from words: swing, then rise or fall, then flat.

    When words for both rising and falling appear, the later one wins, since
    people describe a curve in time order ("fell at first, then climbed").
    A denied rise or fall ("does not decrease") reads as flat.
    """
    if _affirmed(_SWING, text):
        return "oscillating"
    moves: list[tuple[int, Direction]] = [
        (start, "increasing") for start in _affirmed(_RISE, text)
    ]
    moves += [(start, "decreasing") for start in _affirmed(_FALL, text)]
    if moves:
        return max(moves)[1]
    denied = _denied(_RISE, text) or _denied(_FALL, text)
    if denied or _affirmed(_FLAT, text):
        return "flat"
    return None


def has_exact_cue(text: str) -> bool:
    """True when the words state that the value never changes ("stuck at")."""
    return _EXACT.search(text) is not None


def _affirmed(pattern: re.Pattern[str], text: str) -> list[int]:
    return [
        match.start()
        for match in pattern.finditer(text)
        if not _negated(text, match.start())
    ]


def _denied(pattern: re.Pattern[str], text: str) -> bool:
    return any(_negated(text, match.start()) for match in pattern.finditer(text))


def _negated(text: str, start: int) -> bool:
    # A negation reaches at most two words ahead ("does not really decrease"),
    # so the 60 characters before the cue are enough and keep long logs linear.
    return _NEGATION.search(text[max(0, start - 60) : start]) is not None
