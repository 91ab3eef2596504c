"""Find the numbers in a user's text and tell loss values from counts and settings.

People write loss values next to epoch numbers, batch sizes and image sizes
("epoch 59: D loss 0.410", "batch 64", "128x128"). Every number is kept as
written, for the verbatim check on quoted evidence, but only some of them are
loss values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .loss_names import identifier_side

# A number as people type it: signed (ASCII or Unicode minus), with or without
# a leading zero (".25"), in scientific notation ("3.28e-05"), or NaN/inf.
# It must not be glued to a Latin name on its left, so "fake1", "L1" and
# "pix2pix" contain no number, while "从0.9降到0.02" contains two. A hyphen
# right after a digit is a range dash, not a sign.
# Thousands separators ("10,000", "1,234.5") and powers of ten ("10^4",
# "2 x 10^-3") stay inside one number. So does a decimal comma ("0,9"): one
# comma between digits with no space, not part of a chain such as "3,6,9", so
# the list "0.9, 0.4, 0.1" and the integers "3,6,9" stay separate numbers.
NUMBER = re.compile(
    r"(?<![A-Za-zÀ-ÖØ-öø-ÿ0-9_.])(?:[-+−](?=\.?\d))?"
    r"(?:(?:\d+(?:\.\d+)?\s*[x×*]\s*)?10\s*(?:\^|\*\*)\s*[-+−]?\d+"
    r"|[1-9]\d{0,2}(?:,\d{3})+(?!\d)(?:\.\d+)?"
    r"|(?<!\d,)\d+,\d+(?!\d|[,.]\d)"
    r"|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+−]?\d+)?"
    r"|(?<![A-Za-zÀ-ÖØ-öø-ÿ0-9_.])[-+−]?(?:nan|inf(?:inity)?)(?![\w])|∞",
    re.IGNORECASE,
)

_POWER_OF_TEN = re.compile(
    r"(?P<sign>[-+]?)(?:(?P<mantissa>\d+(?:\.\d+)?)\s*[x×*]\s*)?"
    r"10\s*(?:\^|\*\*)\s*(?P<exponent>[-+]?\d+)"
)

# Words in front of a number that make it a count or a setting, not a loss:
# "epoch 59", "after iteration 343747", "batch of 64", "kimg 200", "lr 2e-4".
_COUNT_BEFORE = re.compile(
    r"(?<![a-z])(?:epochs?|iter(?:ation)?s?|steps?|batch(?:es)?(?:[ _]size)?"
    r"(?:\s+of)?|bs|kimg|lr|learning[ _]rate|lambda\w*|λ|beta\d?|seed|gpus?|"
    r"log\s*\(?|ln|n_critic|resolution|size)\s*[:=#\[]?\s*"
    r"(?:~|≈|about|around|approx\.?|roughly)?\s*$",
    re.IGNORECASE,
)
# Words after a number that make it a count: "20000 iterations", "25 epochs",
# "70k iterations", "20 training images", "2x", "97%". The word must be on the
# number's line, so "g_loss 1.002\nepoch 2" keeps 1.002 a loss value.
_COUNT_AFTER = re.compile(
    r"^(?:[^\S\n]*[kKM]?\+?[^\S\n]*(?:training\s+|more\s+|total\s+|critic\s+)?"
    r"(?:epochs?|iter(?:ation)?s?|its\b|steps?|batch(?:es)?|kimg|images?|imgs?|"
    r"samples?|gpus?|layers?|px|pixels?|channels?|times|it/s|s/it|sec|seconds?|"
    r"mins?|minutes?|hours?|hrs?|ms)\b"
    r"|[kKM]\b|\s*%|\s*[x×]|st\b|nd\b|rd\b|th\b|-[a-z])",
    re.IGNORECASE,
)
_PROGRESS_AFTER = re.compile(r"\s*/\s*\d|:\d")
_PROGRESS_BEFORE = re.compile(r"\d\s*/\s*$|\d:$")
# A count's number owns the word after it only on the same line.
_COUNT_OWNED = re.compile(r"\d[^\S\n]*[kKM]?[^\S\n]*(?:training\s+)?\Z")
# Joints between two numbers of one count ("epochs 2-5",
# "epoch ~5000 of 6000", "iteration 343747-343749", "epochs 4 to 6").
_COUNT_JOIN = re.compile(r"^\s*(?:[-–/]|of|to|and|through)\s*~?\s*$", re.IGNORECASE)
# A loss's name right before a number, with an optional "loss" and separator:
# "Loss_G 14", "G: 11.7", "D loss = 0.3".
_LOSS_LABEL = re.compile(r"([A-Za-z][\w/]*)(?:\s+loss)?\s*[:=]?\s*$", re.IGNORECASE)
# "zero" stands for 0 in "goes to zero" but not in "zero variance".
_ZERO_WORD = re.compile(
    r"\b(?:to|at|on|is|was|near|around|about|of|hits?|reach(?:es|ed)?|be)"
    r"\s+(zero)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """One number found in a text."""

    text: str
    value: float
    start: int
    end: int
    # Inside round brackets, where people put side remarks ("(epoch 1)",
    # "(a later commenter: DA = 0.007)").
    in_parens: bool
    # An epoch, step, batch or image count, or a setting such as a learning
    # rate: never a loss value.
    is_count: bool


# A comma before exactly three digits, after a group that does not start
# with 0, can be a thousands separator ("1,386" is 1386 in English).
_THOUSANDS = re.compile(r"[-+−]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?:[eE][-+−]?\d+)?")


def parse_number(token: str, decimal_comma: bool = False) -> float:
    """Convert a number as written ("−0.5", ".25", "0,9", "NaN", "∞") to a float.

    A comma is a thousands separator when it can be one ("1,000") and
    ``decimal_comma`` is false, and a decimal comma otherwise ("0,02", "1,5").
    """
    cleaned = token.replace("−", "-")
    if "," in cleaned and (decimal_comma or not _THOUSANDS.fullmatch(cleaned)):
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    if cleaned == "∞":
        return float("inf")
    power = _POWER_OF_TEN.fullmatch(cleaned)
    if power is not None:
        sign = -1.0 if power.group("sign") == "-" else 1.0
        mantissa = float(power.group("mantissa") or 1)
        return sign * mantissa * 10.0 ** int(power.group("exponent"))
    return float(cleaned)


def number_tokens(text: str) -> list[str]:
    """Return every number in ``text`` as written, in order.

    A dot that ends the token is a full stop, so ``10.`` counts as ``10``.
    """
    return [_token(match.group(0)) for match in NUMBER.finditer(text)]


def _token(raw: str) -> str:
    return raw[:-1] if raw.endswith(".") and len(raw) > 1 else raw


def find_numbers(text: str) -> list[Number]:
    """Find every number in ``text`` and mark the counts and the side remarks."""
    matches = list(NUMBER.finditer(text))
    counts = [_looks_like_count(text, match) for match in matches]
    _spread_counts(text, matches, counts)
    depths = _paren_depths(text, [match.start() for match in matches])
    decimal_comma = uses_decimal_comma([match.group(0) for match in matches])
    return [
        Number(
            text=match.group(0),
            value=parse_number(match.group(0), decimal_comma),
            start=match.start(),
            end=match.end(),
            in_parens=depth > 0,
            is_count=count,
        )
        for match, count, depth in zip(matches, counts, depths, strict=True)
    ]


def uses_decimal_comma(tokens: list[str]) -> bool:
    """True when the numbers use a decimal comma and never a decimal point.

    Then "1,386" among "0,9" and "0,02" is 1.386, not 1386.
    """
    commas = [token for token in tokens if "," in token]
    if any("." in token.rstrip(".") for token in tokens):
        return False
    return any(not _THOUSANDS.fullmatch(token) for token in commas)


def find_zero_word(text: str) -> int | None:
    """Return where "zero" stands for the number 0 ("goes to zero"), if anywhere."""
    match = _ZERO_WORD.search(text)
    return match.start(1) if match else None


def _looks_like_count(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 40) : match.start()]
    after = text[match.end() : match.end() + 40]
    if before.endswith(("x", "×")) and before[:-1].rstrip()[-1:].isdigit():
        return True
    if _COUNT_AFTER.match(after) and not labelled_by_loss(before):
        return True
    # "0.25±0.01" and "0.25 +/- 0.01" give an uncertainty, not a second value.
    if before.rstrip().endswith(("±", "+/-", "+-")):
        return True
    # Progress as "[5/100]" and clock times as "00:10" are counts.
    if match.group(0).isdigit():
        if _PROGRESS_AFTER.match(after) or _PROGRESS_BEFORE.search(before):
            return True
    counted = _COUNT_BEFORE.search(before)
    # In "over 20k iterations: -10472.3" the word already belongs to the
    # count before it, and the number after the colon is a loss value.
    return counted is not None and not _COUNT_OWNED.search(before[: counted.start()])


def labelled_by_loss(before: str) -> bool:
    """True when a loss's name labels the number: "Loss_G 14 samples noise"."""
    match = _LOSS_LABEL.search(before)
    return match is not None and identifier_side(match.group(1)) is not None


def _spread_counts(text: str, matches: list[re.Match[str]], counts: list[bool]) -> None:
    """Mark the other end of a counted range ("epochs 2-5", "200-236 kimg").

    Counts are whole numbers, so "1.6 after epoch 1 and 1.27" keeps 1.27.
    """
    whole = [match.group(0).isdigit() for match in matches]
    for index in range(1, len(matches)):
        joint = text[matches[index - 1].end() : matches[index].start()]
        if counts[index - 1] and whole[index] and _COUNT_JOIN.match(joint):
            counts[index] = True
    for index in range(len(matches) - 2, -1, -1):
        joint = text[matches[index].end() : matches[index + 1].start()]
        if counts[index + 1] and whole[index] and _COUNT_JOIN.match(joint):
            counts[index] = True


def _paren_depths(text: str, positions: list[int]) -> list[int]:
    """Return the round-bracket depth at each of the ascending ``positions``."""
    depths: list[int] = []
    depth = 0
    scanned = 0
    for position in positions:
        for char in text[scanned:position]:
            if char == "(":
                depth += 1
            elif char == ")" and depth > 0:
                depth -= 1
        scanned = position
        depths.append(depth)
    return depths
