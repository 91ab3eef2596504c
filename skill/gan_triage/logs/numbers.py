"""The number syntax of console logs, shared by the console line readers."""

from __future__ import annotations

import math

# Python's float syntax plus the nan and inf that printf and NumPy write.
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)"


def parse_number(text: str) -> float:
    """Convert a match of ``NUMBER``; any sign on nan is dropped."""
    lowered = text.lower()
    if "nan" in lowered:
        return math.nan
    return float(lowered)
