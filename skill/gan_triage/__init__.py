"""Triage a GAN training run: one failure mode, one fix, in a fixed [triage] block."""

__version__ = "0.1.0"
