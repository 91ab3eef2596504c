"""Read training output printed to a console.

These shapes are understood, each line on its own:

- the PyTorch DCGAN tutorial's
  ``[3/25][100/1583]  Loss_D: 0.41  Loss_G: 3.12  D(x): 0.86  D(G(z)): 0.21 / 0.05``,
  where the first bracket holds the epoch (counted from 0) and ``D(G(z))``
  shows D's output on fakes before and after G's step; the first is kept,
  because it is measured on the same batch as ``Loss_D`` and ``D(x)``;
- Keras-style ``d_loss: 0.12 - g_loss: 4.3``, with the epoch taken from an
  earlier ``Epoch 3/50`` line;
- pytorch-CycleGAN-and-pix2pix's ``loss_log.txt`` lines, which open with
  ``(epoch: 30, iters: 400, time: 0.123, data: 0.003)`` (``loss_log.py``);
- the Keras-GAN examples' ``4999 [D loss: 0.012, acc.: 100.00%] [G loss: 7.21]``
  (``keras_gan.py``);
- any other line of ``key=value`` or ``key: value`` pairs, where a value may
  also be Keras's ``[loss, metric]`` list.

A line with a carriage return is a progress bar redrawn in place, so only the
text after the last carriage return, the bar's final state, is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from . import loss_log
from .chunks import read_lines
from .keras_gan import parse_keras_gan
from .numbers import NUMBER, parse_number
from .table import EpochAssigner, EpochTable, add_record

# A name starts with a letter and may hold the characters of D(G(z)), Loss/D,
# train/d_loss and d_loss.1; the value follows ":" or "=".
PAIR = re.compile(
    rf"(?<![\w(/.])([A-Za-z][\w()/.]*?)\s*[:=]\s*({NUMBER})(?![\w.])", re.IGNORECASE
)
DCGAN_PREFIX = re.compile(r"^\s*\[(\d+)/(\d+)\]\s*\[(\d+)/(\d+)\]")
# Keras's ``name: [loss, metric, ...]``, as ``train_on_batch`` results print.
LIST_PAIR = re.compile(
    rf"(?<![\w(/.])([A-Za-z][\w/.]*?)\s*[:=]\s*\[\s*((?:{NUMBER})(?:\s*,\s*(?:{NUMBER}))*)\s*\]",
    re.IGNORECASE,
)
LIST_ITEM = re.compile(NUMBER, re.IGNORECASE)
EPOCH_LINE = re.compile(r"^\s*epoch\s+(\d+)\s*/\s*\d+\s*$", re.IGNORECASE)


def _list_pairs(text: str, values: dict[str, float]) -> str:
    """Add Keras's ``d_loss: [0.69, 0.5]`` lists and return the text without them.

    ``train_on_batch`` on a model compiled with metrics returns the loss first
    and then each metric, so only the first number is the loss. The second is
    kept as an accuracy (``d_acc`` for ``d_loss``), because ``accuracy`` is
    the metric GAN examples compile with, and any more as ``name[i]``.
    """
    for match in LIST_PAIR.finditer(text):
        name = match.group(1)
        numbers = [parse_number(number) for number in LIST_ITEM.findall(match[2])]
        accuracy = name.replace("loss", "acc") if "loss" in name else f"{name}_acc"
        for position, value in enumerate(numbers):
            key = (name, accuracy)[position] if position < 2 else f"{name}[{position}]"
            values.setdefault(key, value)
    return LIST_PAIR.sub(" ", text)


def parse_line(line: str) -> tuple[float | None, dict[str, float]]:
    """Return the epoch a line names (or None) and its ``name: number`` pairs."""
    text = line.rsplit("\r", 1)[-1]
    epoch_line = EPOCH_LINE.match(text)
    if epoch_line:
        return float(epoch_line.group(1)), {}
    keras_gan = parse_keras_gan(text)
    if keras_gan is not None:
        return keras_gan

    epoch = None
    prefix = DCGAN_PREFIX.match(text) or loss_log.PREFIX.match(text)
    if prefix:
        epoch = float(prefix.group(1))
        text = text[prefix.end() :]
    values: dict[str, float] = {}
    text = _list_pairs(text, values)
    for match in PAIR.finditer(text):
        name = match.group(1)
        if name not in values:
            values[name] = parse_number(match.group(2))
    if prefix and prefix.re is loss_log.PREFIX:
        loss_log.add_pix2pix_total(values)
    return epoch, values


def iter_records(path: Path) -> Iterator[tuple[float | None, dict[str, float]]]:
    """Yield ``(epoch, values)`` for each line that names an epoch or a value."""
    for _, line in read_lines(path):
        epoch, values = parse_line(line)
        if epoch is not None or values:
            yield epoch, values


def read_console(path: Path, table: EpochTable, assigner: EpochAssigner) -> None:
    """Add the values of every console line to ``table``.

    An ``Epoch N/M`` line on its own sets the epoch of the lines after it.
    """
    for index, (epoch, values) in enumerate(iter_records(path)):
        if epoch is not None and not values:
            assigner.last_epoch = epoch
            continue
        if epoch is not None:
            values = {"epoch": epoch, **values}
        add_record(table, assigner, values, index)
