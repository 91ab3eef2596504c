"""Numbers as written: the user's, the catalog's, and those in an evidence line.

A number is compared as the token the user typed, never as a value: ``0.50``
is not ``0.5`` and ``1e-4`` is not ``0.0001``. Evidence is cut into tokens by
the pattern that cut the report's trends, so ``0.5`` is never found inside
``0.55``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TypeGuard

from . import catalog
from .block import sample_notes_given
from .number_text import NUMBER
from .report import Report


def number_tokens(text: str) -> list[str]:
    """Return every number in ``text`` as written, in order.

    A dot that ends a token is a full stop, so ``10.`` counts as ``10``.
    """
    return normalize_tokens(match.group(0) for match in NUMBER.finditer(text))


def normalize_tokens(tokens: Iterable[str]) -> list[str]:
    """Drop a full stop that ends a token ("10." becomes "10")."""
    return [token[:-1] if token.endswith(".") else token for token in tokens]


def reported_numbers(report: Report) -> list[str]:
    """Return the numbers the evidence must quote, without repeats.

    They are the tokens of both loss trends and of the sample notes, when the
    user gave them.
    """
    tokens = normalize_tokens([*report.d.tokens, *report.g.tokens])
    if sample_notes_given(report):
        tokens.extend(number_tokens(report.sample_notes))
    return list(dict.fromkeys(tokens))


def extra_report_numbers(report: Report) -> frozenset[str]:
    """Return spellings of the report's other numbers, which evidence may cite.

    Accuracies and D outputs are stored as fractions, so both ``0.97`` and
    ``97`` (from "97%") are accepted; the epoch count is accepted as written.
    """
    spellings: set[str] = set()
    fractions = (
        report.d_accuracy_on_real,
        report.d_accuracy_on_fake,
        report.d_x,
        report.d_g_z,
    )
    for value in fractions:
        if value is not None:
            spellings.update(_spellings(value))
            spellings.update(_spellings(value * 100))
    if report.epochs is not None:
        spellings.add(str(report.epochs))
    return frozenset(spellings)


@cache
def reference_numbers() -> frozenset[str]:
    """Return the numbers the catalog teaches, which a reply may cite unasked.

    They are the numbers in mode names, summaries, symptoms and fix texts, in
    each scale's label and chance-level notes, and every threshold and band
    value. A value is spelled as ``format(value, "g")``, as ``repr`` when
    short (``5.0``) and rounded to three decimals (``1.386`` for 2 ln 2).
    """
    tokens: set[str] = set()
    for text in _catalog_texts():
        tokens.update(number_tokens(text))
    for value in _catalog_values():
        tokens.update(_spellings(value))
    return frozenset(tokens)


def _catalog_texts() -> Iterator[str]:
    for mode in catalog.MODES.values():
        yield mode.name
        yield mode.summary
        yield from mode.symptoms
        yield from (fix.text for fix in mode.fixes)
    for scale in catalog.SCALES.values():
        yield scale.label
        yield scale.at_chance
        yield scale.when_d_wins


def _catalog_values() -> Iterator[float]:
    for scale in catalog.SCALES.values():
        for entry in dataclasses.fields(scale):
            yield from _numbers_in(getattr(scale, entry.name))
    # Module-level thresholds and bands: the scale-free D output and accuracy
    # levels, the swing ratios, 2 ln 2 and ln 2.
    for value in vars(catalog).values():
        if isinstance(value, (catalog.Threshold, float)) or (
            isinstance(value, tuple) and all(_is_number(item) for item in value)
        ):
            yield from _numbers_in(value)


def _numbers_in(value: object) -> Iterator[float]:
    if isinstance(value, catalog.Threshold):
        yield value.value
    elif _is_number(value):
        yield float(value)
    elif isinstance(value, tuple):
        for item in value:
            yield from _numbers_in(item)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _spellings(value: float) -> set[str]:
    spellings = {format(value, "g"), format(round(value, 3), "g")}
    if len(repr(value)) <= 8:
        spellings.add(repr(value))
    return spellings
