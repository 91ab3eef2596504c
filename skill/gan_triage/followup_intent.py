"""Read a follow-up's words: questions, "I did that", and fixes that cannot apply.

These readings keep a message from moving the fix ladder by mistake: "how do I
add spectral norm?" asks about the current fix and says nothing about trying
it, and "ok I did that, now D loss is ..." opens a new report with a preamble
that is not part of the report.
"""

from __future__ import annotations

import re

_ACT = r"(?:did|done|tried|applied|added|made|changed|used|implemented)"
_THING = r"(?:it|that|this|those|the\s+(?:fix|change|suggestion)s?)"
# "ok I did that, now", "done, now", "after that,", "I tried it and now",
# "I've applied the fix. Now": the user applied the last fix and goes on to
# say what happened. Only the start of a message is read, so a later "I did
# that" inside a sentence about something else is left alone.
PREAMBLE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|alright|right|so|well|yes|yep|yeah)\b[\s,.!-]*)?"
    r"(?:(?:i(?:'ve|\s+have)?\s+)?" + _ACT + r"\s+" + _THING + r"\b"
    r"|done\b"
    r"|after\s+(?:doing\s+|applying\s+|trying\s+)?" + _THING + r"\b)"
    r"(?:[\s,;:.!-]*(?:and\s+|so\s+)?(?:now|then)\b)?"
    r"[\s,;:.!-]*",
    re.IGNORECASE,
)
# A sentence that starts like a question, even without its question mark.
QUESTION_START = re.compile(
    r"^\s*(?:how|what(?:'s)?|why|where|which|when|who|is\s+there|are\s+there"
    r"|should\s+i|shall\s+i|can\s+i|could\s+i|do\s+i|would\s+it|will\s+it)\b",
    re.IGNORECASE,
)
# A sentence ends at ., ! or ? before a space, or at a line break, so the dot
# inside "0.7" does not end one.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n")
CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+-+\s+|\s+—\s+")
# "I can't use spectral norm", "we are unable to add labels", "can't do that".
CANNOT_APPLY = re.compile(
    r"\b(?:can'?t|cannot|can\s+not|unable\s+to|couldn'?t|no\s+way\s+to)\s+"
    r"(?:\w+\s+){0,2}?(?:use|apply|add|do|try|switch|change|implement|run|get)\b",
    re.IGNORECASE,
)
# Facts that make one fix impossible, with the slug of that fix. Conditioning
# G and D on class labels needs a labelled data set.
RULED_OUT_BY = (
    (
        re.compile(
            r"\b(?:don'?t|do\s+not|doesn'?t|does\s+not|haven'?t|have\s+not)\s+"
            r"(?:have|got)\s+(?:any\s+)?(?:class\s+)?labels\b"
            r"|\bno\s+(?:class\s+)?labels\b|\bunlabell?ed\b|\bwithout\s+labels\b",
            re.IGNORECASE,
        ),
        "label_conditioning",
    ),
)
# A whole message that only thanks or acknowledges.
ACKNOWLEDGEMENT = re.compile(
    r"^\s*(?:ok(?:ay)?|great|cool|nice|perfect|got\s+it|thanks?|thank\s+you|thx"
    r"|cheers|will\s+do)(?:[\s,.!]+(?:thanks?|thank\s+you|a\s+lot|so\s+much"
    r"|very\s+much|will\s+do|i'?ll\s+try\s+(?:it|that)))*[\s,.!]*$",
    re.IGNORECASE,
)


def strip_preamble(text: str) -> tuple[str, bool]:
    """Strip a leading "ok I did that, now" and return the rest with a found flag."""
    match = PREAMBLE.match(text)
    if match is None or not match.group(0).strip():
        return text, False
    return text[match.end() :], True


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, each with its closing mark."""
    return [part.strip() for part in SENTENCE_BREAK.split(text) if part.strip()]


def split_questions(text: str) -> tuple[list[str], list[str]]:
    """Split ``text`` into the parts that ask something and the parts that state.

    A sentence that opens with a question word is a question as a whole. In one
    that only ends with "?", the question is the last clause, so in "I added
    spectral norm, what now?" the first clause still reports that spectral norm
    was added.
    """
    questions: list[str] = []
    statements: list[str] = []
    for sentence in split_sentences(text):
        if QUESTION_START.match(sentence):
            questions.append(sentence)
        elif sentence.endswith("?"):
            *heads, question = CLAUSE_BREAK.split(sentence)
            statements.extend(head.strip() for head in heads if head.strip())
            questions.append(question.strip())
        else:
            statements.append(sentence)
    return questions, statements


def ruled_out_by_fact(text: str) -> list[str]:
    """Return the slugs of fixes that a fact in ``text`` makes impossible."""
    return [slug for pattern, slug in RULED_OUT_BY if pattern.search(text)]


def is_acknowledgement(text: str) -> bool:
    """True when the whole message is "thanks", "ok" or the like."""
    return bool(ACKNOWLEDGEMENT.match(text))
