"""Recognize the names people give a GAN's losses and the parts of a loss.

Training scripts and their users name the same two losses in many ways:
``errD``, ``Loss_D``, ``d_loss``, ``D_X_loss``, "discriminator error", "critic
loss" for D, and ``errG``, ``G_loss``, ``Loss/G/loss``, "generator loss" for G.
"""

from __future__ import annotations

import re
from typing import Literal

Side = Literal["d", "g"]

# Latin-1 letters count as letters, so "générateur" is one word, not "g"
# followed by "n" and "rateur".
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
IDENTIFIER = re.compile(rf"[{_LETTER}][{_LETTER}0-9_/]*")
# The word for "loss" in English, German, French and Spanish, singular and
# plural: "Verlust D", "la perte du discriminateur", "pérdida del generador".
LOSS_WORD = re.compile(
    r"\b(?:loss(?:es)?|verlust(?:e|es)?|pertes?|p[ée]rdidas?)\b", re.IGNORECASE
)
# Only the plural forms, which name both losses at once ("the losses").
LOSSES_WORD = re.compile(r"\b(?:losses|verluste|pertes|p[ée]rdidas)\b", re.IGNORECASE)
# D(x) and D(G(z)) are D's mean outputs, not losses. They are blanked before
# names are read, so the "G" inside "D(G(z))" is not taken for G's loss.
D_OUTPUT = re.compile(r"\bD\s*\(\s*(?:G\s*\(\s*z\s*\)|x)\s*\)", re.IGNORECASE)

_G_NAMES = frozenset(
    {
        "g",
        "ga",
        "gb",
        "errg",
        "gloss",
        "gen",
        "generator",
        "generators",
        "lossg",
        # Wav2Lip logs its generator's adversarial loss as "percep".
        "percep",
    }
)
_G_PREFIXES = (
    "g_",
    "g/",
    "loss_g",
    "loss/g",
    "losses_g",
    "errg",
    "generator",
    "gan_",
    # French and Spanish ("Generator" is also the German word).
    "générateur",
    "generateur",
    "generador",
    # Common misspellings.
    "genrator",
    "generater",
    "genarator",
)
_D_NAMES = frozenset(
    {
        "d",
        "da",
        "db",
        "errd",
        "dloss",
        "disc",
        "discriminator",
        "discriminators",
        "critic",
        "critics",
        "lossd",
    }
)
_D_PREFIXES = (
    "d_",
    "d/",
    "loss_d",
    "loss/d",
    "losses_d",
    "errd",
    "disc_",
    "discriminator",
    "critic",
    # German, French and Spanish.
    "diskriminator",
    "discriminateur",
    "discriminador",
    # Common misspellings.
    "dicriminator",
    "discrimator",
    "descriminator",
    "discriminater",
    "discrimnator",
)
# Per-term G losses in multi-head models ("gan1: 6.830", "gan2: 6.101").
_G_NUMBERED = re.compile(r"gan\d+")

# Terms that are added to an adversarial loss but are not adversarial
# themselves: reconstruction, regularizers, penalties. Keys are the names used
# in Trend.parts.
AUX_TERMS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"(?<![a-z]){pattern}(?![a-z])", re.IGNORECASE)
    for name, pattern in (
        ("l1", r"l1"),
        ("l2", r"l2"),
        ("rec", r"(?:rec|recon\w*|reconstruction)"),
        ("content", r"content"),
        ("cycle", r"(?:cycle|cyc)"),
        ("identity", r"(?:identity|idt)"),
        ("reg", r"reg"),
        ("pl_avg", r"pl_avg"),
        ("gp", r"(?:gp|gradient penalty)"),
        ("distortion", r"distortion"),
        ("kl", r"kl"),
        ("vgg", r"vgg"),
    )
}


# French "d'entraînement" is "of training", not D's loss, while "D's loss" is.
_ELISION = re.compile(r"['’](?!s\b)[^\W\d_]")


def identifier_side(identifier: str) -> Side | None:
    """Return which loss an identifier names ("errD" is D, "G_Y_loss" is G)."""
    word = identifier.lower().removesuffix("'s")
    if word in _G_NAMES or word.startswith(_G_PREFIXES) or _G_NUMBERED.fullmatch(word):
        return "g"
    if word in _D_NAMES or word.startswith(_D_PREFIXES):
        return "d"
    return None


def sides_named(text: str) -> list[tuple[int, Side]]:
    """Return the position and side of every D or G loss name in ``text``."""
    masked = D_OUTPUT.sub(lambda match: "D" + " " * (len(match.group(0)) - 1), text)
    found: list[tuple[int, Side]] = []
    for match in IDENTIFIER.finditer(masked):
        if _ELISION.match(masked, match.end()) and len(match.group(0)) == 1:
            continue
        pair = slash_pair(match.group(0))
        if pair is not None:
            slash = match.start() + match.group(0).index("/") + 1
            found += [(match.start(), pair[0]), (slash, pair[1])]
            continue
        side = identifier_side(match.group(0))
        if side is not None:
            found.append((match.start(), side))
    return found


def slash_pair(identifier: str) -> tuple[Side, Side] | None:
    """Return the two losses a pair such as "errD/errG" or "D/G" names, in order.

    "Loss/D/loss" is one name with slashes in it, not a pair.
    """
    parts = [part.strip() for part in identifier.split("/")]
    if len(parts) != 2:
        return None
    first, second = identifier_side(parts[0]), identifier_side(parts[1])
    if first is None or second is None or first == second:
        return None
    return first, second


def last_side(text: str) -> Side | None:
    """Return the side of the last D or G loss name in ``text``, if any."""
    found = sides_named(text)
    return found[-1][1] if found else None


def aux_term(label: str) -> str | None:
    """Return the non-adversarial term a label names ("L1", "rec", "G_reg")."""
    for name, pattern in AUX_TERMS.items():
        if pattern.search(label):
            return name
    return None
