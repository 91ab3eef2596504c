"""Recognize the names people give a GAN's losses and the parts of a loss.

Training scripts and their users name the same two losses in many ways:
``errD``, ``Loss_D``, ``d_loss``, ``D_X_loss``, "discriminator error", "critic
loss" for D, and ``errG``, ``G_loss``, ``Loss/G/loss``, "generator loss" for G.
"""

from __future__ import annotations

import re
from typing import Literal

Side = Literal["d", "g"]

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_/]*")
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
_G_PREFIXES = ("g_", "g/", "loss_g", "loss/g", "losses_g", "errg", "generator", "gan_")
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
        side = identifier_side(match.group(0))
        if side is not None:
            found.append((match.start(), side))
    return found


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
