"""Read the bracketed lines of the Keras-GAN examples (eriklindernoren).

A line is ``4999 [D loss: 0.012, acc.: 100.00%] [G loss: 7.21]``: a leading
step, then one bracket per network. Some models write more in a bracket
(``[G loss: 1.2, mse: 0.3]``) or open with ``[Epoch 3/200] [Batch 5/100]``
in place of the step. The first item of a bracket names the network, so the
items after it are read as that network's: ``acc.`` in D's bracket becomes
``D acc``, D's accuracy on real and fake images together. A percentage is
stored as a fraction, as the report's accuracies are.
"""

from __future__ import annotations

import re

from .numbers import NUMBER, parse_number

D_LOSS, G_LOSS = "D loss", "G loss"
LEADING = re.compile(r"^\s*(?:(\d+)\s+)?(?=\[)")
GROUP = re.compile(r"\s*\[([^\[\]]*)\]")
EPOCH_GROUP = re.compile(r"^\s*epoch\s+(\d+)\s*/\s*\d+\s*$", re.IGNORECASE)
ITEM = re.compile(rf"^\s*([A-Za-z][\w .]*?)\s*:\s*({NUMBER})\s*(%?)\s*$", re.IGNORECASE)
OWNER = re.compile(r"^([A-Za-z])\s+loss$", re.IGNORECASE)


def _groups(text: str, start: int) -> list[str]:
    """Return the texts of the brackets that follow one another from ``start``."""
    groups = []
    position = start
    while match := GROUP.match(text, position):
        groups.append(match.group(1))
        position = match.end()
    return groups


def _read_group(group: str, values: dict[str, float]) -> bool:
    """Add a ``[D loss: ..., acc.: ...%]`` bracket's items; False for other brackets.

    Items after the first that are not ``label: number`` are skipped.
    """
    items = [ITEM.match(item) for item in group.split(",")]
    first = items[0]
    network = None if first is None else OWNER.match(first.group(1))
    if first is None or network is None:
        return False
    owner = network.group(1).upper()
    for position, item in enumerate(items):
        if item is None:
            continue
        label, number, percent = item.groups()
        value = parse_number(number) / (100.0 if percent else 1.0)
        name = f"{owner} loss" if position == 0 else f"{owner} {label.rstrip('.')}"
        values.setdefault(name, value)
    return True


def parse_keras_gan(text: str) -> tuple[float | None, dict[str, float]] | None:
    """Return ``(epoch, values)`` for a Keras-GAN line, or None for other lines.

    The leading step, when there is one, is returned as the value ``step``.
    """
    leading = LEADING.match(text)
    if leading is None:
        return None
    epoch = None
    values: dict[str, float] = {}
    found_loss = False
    for group in _groups(text, leading.end()):
        epoch_group = EPOCH_GROUP.match(group)
        if epoch_group:
            epoch = float(epoch_group.group(1))
        elif _read_group(group, values):
            found_loss = True
    if not found_loss:
        return None
    if leading.group(1) is not None:
        values = {"step": float(leading.group(1)), **values}
    return epoch, values
