"""Map a reply's fix text back to a catalog fix slug.

The rule engine writes the catalog's fix text word for word; a model words it
its own way. The catalog text is tried first, then each fix's aliases (the
phrases that show a user tried it), preferring the ladder of the mode the
reply named when several fixes are mentioned.
"""

from __future__ import annotations

import re

from ..catalog import MODES, Fix


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _all_fixes() -> list[tuple[str, Fix]]:
    return [(slug, fix) for slug, mode in MODES.items() for fix in mode.fixes]


def _mentions(text: str, phrase: str) -> bool:
    pattern = r"(?<![\w-])" + re.escape(phrase.lower()) + r"(?![\w-])"
    return re.search(pattern, text) is not None


def fix_slug_of(fix_text: str, mode_slug: str | None = None) -> str | None:
    """Return the slug of the catalog fix ``fix_text`` states, or None.

    None means no catalog fix is recognised, or several are with no way to
    pick one.
    """
    normalized = _normal(fix_text)
    for _, fix in _all_fixes():
        if _normal(fix.text) == normalized:
            return fix.slug
    hits = [
        (slug, fix)
        for slug, fix in _all_fixes()
        if any(
            _mentions(normalized, alias)
            for alias in (fix.slug.replace("_", " "), *fix.aliases)
        )
    ]
    slugs = {fix.slug for _, fix in hits}
    if len(slugs) == 1:
        return slugs.pop()
    in_mode = {fix.slug for slug, fix in hits if slug == mode_slug}
    if len(in_mode) == 1:
        return in_mode.pop()
    return None
