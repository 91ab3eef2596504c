"""Find control characters in user text before it is quoted back.

Evidence quotes the user's words verbatim, so a raw ESC or BEL in a report
would reach the terminal as an escape sequence. Such text is rejected rather
than altered, because an altered quote would no longer be verbatim.
"""

from __future__ import annotations

import unicodedata

from .errors import InputError

# Tab, newline and carriage return are ordinary text in a pasted log.
_ALLOWED = frozenset("\t\n\r")


def find_control_character(text: str) -> tuple[int, str] | None:
    """Return the position and character of the first control character.

    Lone surrogates count too: they are what Python makes of bytes that are not
    UTF-8 (on the command line, or escaped in JSON), and no output can print them.
    """
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if char not in _ALLOWED and category in ("Cc", "Cs"):
            return position, char
    return None


def reject_control_characters(text: str, where: str) -> None:
    """Raise InputError when ``text`` contains a control character.

    ``where`` names the file and field, as in "report.yaml: sample_notes".
    """
    found = find_control_character(text)
    if found is None:
        return
    position, char = found
    if unicodedata.category(char) == "Cs":
        raise InputError(
            f"{where} contains bytes that are not valid UTF-8 at character "
            f"{position + 1}; write the text as UTF-8"
        )
    raise InputError(
        f"{where} contains the control character U+{ord(char):04X} at character "
        f"{position + 1}; remove it, because only tab and newline are allowed"
    )
