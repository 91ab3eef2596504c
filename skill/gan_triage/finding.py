"""The finding the validator returns for each broken [triage] rule."""

from __future__ import annotations

from pydantic import BaseModel

RULE_IDS = (
    "one_block",
    "fields",
    "failure_name",
    "verbatim_numbers",
    "samples_quoted",
    "one_fix",
    "fix_matches_mode",
    "train_longer",
    "retry_epochs",
    "no_match_items",
)


class Finding(BaseModel):
    """One broken rule: its id, the offending text, and how to fix it."""

    rule: str
    text: str
    message: str


def collapse_whitespace(text: str) -> str:
    """Replace every run of whitespace, line breaks included, with one space."""
    return " ".join(text.split())
