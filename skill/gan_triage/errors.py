"""Errors the library raises; only the CLI turns them into exit codes."""


class TriageError(Exception):
    """Base class for every error gan-triage raises on purpose."""


class InputError(TriageError):
    """The user's input is invalid: the CLI prints it on one line and exits 2.

    The message names the file or field, what was found and what was expected.
    """


class BlockError(TriageError):
    """A reply holds no usable [triage] block; the message gives the reason."""
