"""Default D and G columns for console logs whose names no alias covers.

pytorch-CycleGAN-and-pix2pix (``loss_log.py``) names its losses after the
model's parts, and the Keras-GAN examples (``keras_gan.py``) average D's two
terms. Each layout names the columns to use and a warning that explains how
to read them and how to choose others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .columns import Role
from .keras_gan import D_LOSS, G_LOSS
from .loss_log import CYCLEGAN_D, CYCLEGAN_G, PIX2PIX_D, PIX2PIX_G, PIX2PIX_PARTS


@dataclass(frozen=True)
class Layout:
    """The columns of one known log format, and a note on how they were chosen."""

    chosen: dict[Role, str]
    # Names that no role may take, because they mean something else here.
    ignored: frozenset[str]
    # A warning, written after the log's name.
    note: str


# CycleGAN's training options default to gan_mode lsgan, and D_A is the mean
# of the real and fake terms.
CYCLEGAN = Layout(
    chosen={"d": CYCLEGAN_D, "g": CYCLEGAN_G},
    ignored=frozenset(),
    note=(
        "CycleGAN log with two GANs; D and G are D_A and G_A (the A to B "
        "direction), and the B to A direction is read with --d-col D_B --g-col "
        "G_B; the cycle and identity losses are left out; CycleGAN's default "
        "loss is LSGAN, so pass --loss-type lsgan unless the run set gan_mode"
    ),
)

# pix2pix sets gan_mode vanilla (BCE) by default.
PIX2PIX = Layout(
    chosen={"d": PIX2PIX_D, "g": PIX2PIX_G},
    ignored=PIX2PIX_PARTS,
    note=(
        "pix2pix log; D's loss is D_real + D_fake summed per record, so ln 4 "
        "(1.386) means D is at chance with the default BCE loss (pix2pix itself "
        "minimises half this sum); G's loss is G_GAN, the adversarial term, and "
        "G_L1 is left out because it is a reconstruction loss"
    ),
)

# The Keras-GAN examples train D on a real and a fake batch and print
# 0.5 * (real loss + fake loss), the averaged BCE.
KERAS_GAN = Layout(
    chosen={"d": D_LOSS, "g": G_LOSS},
    ignored=frozenset(),
    note=(
        "Keras-GAN log; its D loss is the mean of the real and fake BCE terms, "
        "so ln 2 (0.693) means D is at chance; pass --loss-type bce-mean"
    ),
)


def known_layout(names: Iterable[str]) -> Layout | None:
    """Return the layout whose names ``names`` contains, or None."""
    present = set(names)
    for layout in (CYCLEGAN, PIX2PIX, KERAS_GAN):
        if set(layout.chosen.values()) <= present:
            return layout
    return None
