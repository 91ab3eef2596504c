"""Read the ``loss_log.txt`` of pytorch-CycleGAN-and-pix2pix.

Each line starts with ``(epoch: 30, iters: 400, time: 0.123, data: 0.003)``
and then lists the model's losses as ``name: value``. ``epoch`` counts from 1
and ``iters`` restarts in every epoch, so only the epoch numbers the record.

Neither model logs a single D and G loss, so ``layouts.py`` chooses the
columns:

- CycleGAN trains two GANs. ``G_A`` maps domain A to B and ``D_A`` judges
  domain-B images, so ``D_A`` and ``G_A`` form one GAN and are used. The B to
  A direction, ``D_B`` and ``G_B``, can be chosen with --d-col and --g-col.
- pix2pix logs D's loss as its real and fake terms, ``D_real`` and
  ``D_fake``. ``add_pix2pix_total`` sums them per record into one D column,
  which puts D on the summed-BCE scale of the PyTorch DCGAN tutorial. G's
  column is ``G_GAN``, the adversarial term, because ``G_L1`` is a weighted
  L1 distance to the target image, not a measure of how D judges G.
"""

from __future__ import annotations

import re

PREFIX = re.compile(
    r"^\s*\(\s*epoch:\s*(\d+)\s*,\s*iters:\s*\d+\s*,[^)]*\)", re.IGNORECASE
)

CYCLEGAN_D, CYCLEGAN_G = "D_A", "G_A"
PIX2PIX_REAL, PIX2PIX_FAKE, PIX2PIX_G = "D_real", "D_fake", "G_GAN"
PIX2PIX_PARTS = frozenset({PIX2PIX_REAL, PIX2PIX_FAKE})
# The name of the column that sums pix2pix's two D terms.
PIX2PIX_D = "D_real+D_fake"


def add_pix2pix_total(values: dict[str, float]) -> None:
    """Add the D total to a pix2pix record that logs both of D's terms."""
    if PIX2PIX_REAL in values and PIX2PIX_FAKE in values and PIX2PIX_G in values:
        values[PIX2PIX_D] = values[PIX2PIX_REAL] + values[PIX2PIX_FAKE]
