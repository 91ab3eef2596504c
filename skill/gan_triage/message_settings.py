"""Read the run's settings that a chat message states in passing.

The loss type, the G objective, D's accuracies and mean outputs, and the
number of epochs trained are each set only when the message states them.
"""

from __future__ import annotations

import re
from typing import Any

# Objectives, most specific first, so "cWGAN-GP" is not read as plain WGAN.
_LOSS_TYPES = (
    ("wgan-gp", re.compile(r"wgan[-_ ]?gp", re.IGNORECASE)),
    ("wgan", re.compile(r"\bwgan\b|wasserstein", re.IGNORECASE)),
    ("lsgan", re.compile(r"least[- ]squares?|\blsgan\b", re.IGNORECASE)),
    ("hinge", re.compile(r"\bhinge\b", re.IGNORECASE)),
    ("non-saturating", re.compile(r"non-?saturating", re.IGNORECASE)),
    (
        "bce",
        re.compile(r"\bbce\b|binary cross[- ]entropy|\bvanilla gan", re.IGNORECASE),
    ),
)
_ACCURACY_WORD = re.compile(r"\bacc(?:uracy|uracies)?\b", re.IGNORECASE)
# "D accuracy on real 99%, on fake 98%": a half's name, then its number.
_ACCURACY_HALVES = {
    "d_accuracy_on_real": re.compile(
        r"\breals?\b[^.;\d]{0,20}?(\d*\.?\d+\s*%?)", re.IGNORECASE
    ),
    "d_accuracy_on_fake": re.compile(
        r"\bfakes?\b[^.;\d]{0,20}?(\d*\.?\d+\s*%?)", re.IGNORECASE
    ),
}
# "100% on both real and fake": a number, then the halves it is for.
_ACCURACY_BEFORE_HALVES = re.compile(
    r"(\d*\.?\d+\s*%?)\s+(?:on|for)\s+(?:both\s+)?(?:the\s+)?(reals?|fakes?)"
    r"(?:\s+and\s+(?:the\s+)?(reals?|fakes?))?",
    re.IGNORECASE,
)
# The report's own field names written in a message: "d_accuracy_on_real 0.98".
_ACCURACY_FIELD = re.compile(
    r"\bd_accuracy_on_(real|fake)\b\s*[:=]?\s*(\d*\.?\d+\s*%?)", re.IGNORECASE
)
_D_OUTPUTS = {
    "d_x": re.compile(r"\bD\s*\(\s*x\s*\)[^.;\d]{0,12}?(\d*\.\d+)"),
    "d_g_z": re.compile(r"\bD\s*\(\s*G\s*\(\s*z\s*\)\s*\)[^.;\d]{0,12}?(\d*\.\d+)"),
}
_SATURATING = re.compile(r"(?<!non-)(?<!non )\bsaturating\b", re.IGNORECASE)
# The run's length so far: "60 epochs:", "for 25 epochs", "by epoch ~5000",
# but not "within 2 epochs" or "for 5-8 epochs".
_EPOCHS = re.compile(
    r"(?:^|[,:;(]\s*|\b(?:after|for|trained for|over|ran)\s+)~?(\d+)\s+epochs\b"
    r"|\bby epoch\s*~?(\d+)|\bepoch\s*~?(\d+)\s+of\s+\d+",
    re.IGNORECASE,
)


def stated_settings(text: str) -> dict[str, Any]:
    """Read the loss type, G objective, D accuracies, D outputs and epochs.

    Each is set only when the message states it.
    """
    settings: dict[str, Any] = {}
    for name, pattern in _LOSS_TYPES:
        if pattern.search(text):
            settings["loss_type"] = name
            break
    if settings.get("loss_type") != "non-saturating" and _SATURATING.search(text):
        settings["g_objective"] = "saturating"
    settings.update(_accuracies(text))
    for field, pattern in _D_OUTPUTS.items():
        match = pattern.search(text)
        # D's mean output is a probability; a larger number is a raw score.
        if match is not None and float(match.group(1)) <= 1:
            settings[field] = match.group(1)
    epochs = [
        int(group)
        for match in _EPOCHS.finditer(text)
        for group in match.groups()
        if group
    ]
    if epochs:
        settings["epochs"] = max(epochs)
    return settings


def _accuracies(text: str) -> dict[str, str]:
    """Read D's accuracy on real and on fake samples near a word "accuracy".

    Only fractions (0-1) and percentages (0-100) are kept, so a stray number
    near the word cannot make the report invalid.
    """
    found: dict[str, str] = {}
    for named in _ACCURACY_FIELD.finditer(text):
        found.setdefault(f"d_accuracy_on_{named.group(1).lower()}", named.group(2))
    for word in _ACCURACY_WORD.finditer(text):
        window = text[max(0, word.start() - 30) : word.end() + 60]
        # "98% on real and 97% on fake" holds one such phrase per half.
        for before in _ACCURACY_BEFORE_HALVES.finditer(window):
            for half in before.groups()[1:]:
                if half:
                    field = f"d_accuracy_on_{half.lower().rstrip('s')}"
                    found.setdefault(field, before.group(1).strip())
        for field, pattern in _ACCURACY_HALVES.items():
            match = pattern.search(window)
            if match is not None and field not in found:
                found[field] = match.group(1).strip()
    return {field: value for field, value in found.items() if _is_accuracy(value)}


def _is_accuracy(value: str) -> bool:
    number = float(value.rstrip("%").strip())
    return 0 <= number <= (100 if value.endswith("%") else 1)
