"""Cut a chat message into clauses and mark what each clause is about.

A clause is a stretch between sentence ends, semicolons, commas before a word
and joining words ("while", "but", and "and", "und", "et" or "y" before a new
subject). Each clause is marked as about D, G, both, the samples or a
non-adversarial term, and as carrying numbers or direction words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .loss_names import LOSS_WORD, LOSSES_WORD, Side, aux_term, sides_named
from .number_text import NUMBER, find_numbers, find_zero_word, labelled_by_loss
from .trend_direction import cue_direction, has_exact_cue

_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "approx", "cf")
# "und", "et" and "y" are "and" in German, French and Spanish.
_AND_WORDS = ("and", "und", "et", "y")
_JOINING_WORD = re.compile(r"\s+(while|whereas|but|and|und|et|y)\s+", re.IGNORECASE)
_LEADING_WORD = re.compile(r"^(?:and|und|et|y|but|while|whereas|so)\s+", re.IGNORECASE)
_LOSS_WORD = LOSS_WORD
# Losses named together without saying which: "the losses are enormous".
_SHARED_WORD = re.compile(rf"{LOSSES_WORD.pattern}|\bboth\b", re.IGNORECASE)
# Someone else's run: "the author's G loss drops to about 0.5".
_OTHER_PERSON = re.compile(
    r"\b(?:author'?s?|their|theirs|others?|another user|someone)\b", re.IGNORECASE
)
_HALF_WORD = re.compile(r"(?<![a-z])(?:reals?|fakes?)(?![a-z])", re.IGNORECASE)
_SAMPLE_NOUN = re.compile(
    r"\b(?:samples?|outputs?|images?|results?|reconstructions?|generations?|"
    r"pictures?|photos?|faces?|digits?|frames?|grids?)\b",
    re.IGNORECASE,
)
_SAMPLE_VERB = re.compile(
    r"\b(?:generates?|generated|produces?|produced|outputs|outputting|looks?|"
    r"looked|blurr?(?:y|s|ed)?|collaps\w*)\b",
    re.IGNORECASE,
)
_SAMPLE_LOOK = re.compile(
    r"\b(?:blobs?|noise|noisy|smears?|garbage|nonsense|artifacts?|checkerboard|"
    r"fine|good|okay|ok|reasonable|realistic|poor|bad)\b",
    re.IGNORECASE,
)
# Words before a noun that make it a setting, not the subject: "on my 128x128
# images", "with only 20 images", "10k images".
_NOT_SUBJECT = frozenset(
    {"on", "of", "with", "from", "for", "in", "to", "into", "at", "by", "per"}
)
# The samples named right after a loss's number, with no comma between them:
# "Loss_G 14 samples noise", "G: 11.7  samples: noise".
_SAMPLE_LABEL = re.compile(r"\s+(?:samples?|images?|outputs?)\b", re.IGNORECASE)
# "The generator produces the same face": a clause about samples, not G's loss.
_PRODUCE_VERB = re.compile(
    r"\b(?:generates?|generated|produces?|produced|outputs|outputting|makes|"
    r"creates?|created)\b",
    re.IGNORECASE,
)


@dataclass
class Clause:
    """A stretch of the message between separators, and what it is about."""

    start: int
    end: int
    sentence: int
    # The separator before the clause: "", ".", ";", ",", ":", "and", "but"...
    joint: str
    question: bool = False
    sides: frozenset[Side] = frozenset()
    # A loss named without saying which ("the losses are enormous").
    shared: bool = False
    # About a non-adversarial term such as L1 or pl_avg.
    aux: bool = False
    sample: bool = False
    # About someone else's run rather than the user's own.
    other_person: bool = False
    numbers: bool = False
    cue: bool = False


def split_clauses(text: str) -> list[Clause]:
    """Cut ``text`` into described clauses, with bare subjects merged forward."""
    return _merge_subjects(text, [_describe(text, c) for c in _split(text)])


def _split(text: str) -> list[Clause]:
    """Cut the message at sentence ends, semicolons and joining words.

    Nothing inside round or square brackets is cut, so "(0.0001 down to
    6.7e-06 by epoch 10)" and "[-923.4, -1826.9]" stay whole. A comma cuts only
    before a word, so "0.9368, 0.8507, 0.8301" stays one list.
    """
    clauses: list[Clause] = []
    depth, start, sentence, joint = 0, 0, 0, ""
    index = 0
    # Where the current sentence or line begins in ``clauses``: a question
    # mark makes only those clauses a question.
    opened = 0
    while index < len(text):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        cut = _cut_at(text, index, start) if depth == 0 else None
        if cut is None:
            index += 1
            continue

        kind, resume = cut
        _emit(clauses, text, start, index, sentence, joint)
        if kind == "?":
            for clause in clauses[opened:]:
                clause.question = True
        if kind in (".", "?", "!"):
            sentence += 1
        if kind in (".", "?", "!", "\n"):
            opened = len(clauses)
        start, joint, index = resume, kind, resume
    _emit(clauses, text, start, len(text), sentence, joint)
    return clauses


def _cut_at(text: str, index: int, start: int) -> tuple[str, int] | None:
    """Return the kind of cut at ``index`` and where the next clause starts."""
    char = text[index]
    rest = text[index + 1 :]
    if char in ".?!" and (not rest or rest[0].isspace()):
        if char == "." and text[:index].lower().endswith(_ABBREVIATIONS):
            return None
        return char, index + 1
    if char == "\n":
        return "\n", index + 1
    if char == ";":
        return ";", index + 1
    if char == "," and rest.lstrip()[:1].isalpha():
        return ",", index + 1
    if char == ":" and rest[:1].isspace() and rest.lstrip()[:1].isalpha():
        # "CycleGAN on unpaired images: G loss 0.204" opens with a preamble,
        # but "Loss_D: 0.5" labels a number.
        if not sides_named(text[start:index]):
            return ":", index + 1
    if char.isspace() and _SAMPLE_LABEL.match(text, index):
        if _ends_with_loss_value(text[start:index]):
            return ",", index + 1
    if char.isspace():
        match = _JOINING_WORD.match(text, index)
        if match is not None:
            word = match.group(1).lower()
            if word in _AND_WORDS[1:]:
                word = "and"
            if word != "and" or _starts_subject(text[match.end() :]):
                return word, match.end()
    return None


def _ends_with_loss_value(before: str) -> bool:
    """True when ``before`` ends with a loss's number ("... Loss_G 14")."""
    numbers = list(NUMBER.finditer(before))
    if not numbers or numbers[-1].end() != len(before.rstrip()):
        return False
    return labelled_by_loss(before[: numbers[-1].start()])


def _starts_subject(after: str) -> bool:
    """True when the words after "and" open a new subject ("and errG ...")."""
    words = after.split()[:3]
    # "between 0.1 and 2 and G ..." ends a range at "and 2", not a subject.
    if words and NUMBER.match(words[0]):
        return False
    for word in words:
        bare = word.strip(",.;:()")
        if sides_named(bare) or aux_term(bare) is not None:
            return True
        if _LOSS_WORD.fullmatch(bare) or _SAMPLE_NOUN.fullmatch(bare):
            return True
    return False


def _emit(
    clauses: list[Clause], text: str, start: int, end: int, sentence: int, joint: str
) -> None:
    while start < end and text[start].isspace():
        start += 1
    leading = _LEADING_WORD.match(text, start, end)
    if leading is not None:
        start = leading.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    if end > start:
        clauses.append(Clause(start=start, end=end, sentence=sentence, joint=joint))


def _describe(text: str, clause: Clause) -> Clause:
    """Mark what a clause is about and whether it carries numbers or cues."""
    part = text[clause.start : clause.end]
    sides = {side for _, side in sides_named(part)}
    if _HALF_WORD.search(part) and (_LOSS_WORD.search(part) or sides):
        sides.add("d")
    numbers = any(not n.is_count for n in find_numbers(part))
    # "the generator only makes 3 kinds of digits" describes G's samples.
    producing = not _LOSS_WORD.search(part) and _PRODUCE_VERB.search(part) is not None
    if producing:
        sides = set()
    clause.sides = frozenset(sides)

    # "rec: 0.151" and "the L2 loss" are terms, "reconstructions look
    # blurry" is about samples.
    clause.aux = (
        not sides
        and aux_term(part) is not None
        and (numbers or _LOSS_WORD.search(part) is not None)
    )
    clause.shared = (
        not sides and not clause.aux and _SHARED_WORD.search(part) is not None
    )
    clause.other_person = _OTHER_PERSON.search(part) is not None

    clause.numbers = numbers or find_zero_word(part) is not None
    clause.cue = cue_direction(part) is not None or has_exact_cue(part)
    clause.sample = (
        not sides
        and not clause.shared
        and not clause.aux
        and not clause.question
        and (producing or _about_samples(part))
    )
    return clause


def _about_samples(part: str) -> bool:
    if _SAMPLE_VERB.search(part) or _SAMPLE_LOOK.search(part):
        return True
    for match in _SAMPLE_NOUN.finditer(part):
        before = re.findall(r"[\w'-]+", part[: match.start()])[-3:]
        if not any(w.lower() in _NOT_SUBJECT or w[0].isdigit() for w in before):
            return True
    return False


def _merge_subjects(text: str, clauses: list[Clause]) -> list[Clause]:
    """Join a clause that only names its subject to the clause after it.

    In "the percep, Fake and Real losses all hover around 0.69" the first
    clause has no number and no verb of its own, and "hover around 0.69"
    applies to all three losses.
    """
    merged: list[Clause] = []
    pending: Clause | None = None
    for clause in clauses:
        if pending is not None:
            if (
                clause.sentence == pending.sentence
                and clause.joint in (",", "and")
                and not clause.sample
            ):
                clause.start = pending.start
                clause.joint = pending.joint
                clause = _describe(text, clause)
            else:
                merged.append(pending)
            pending = None
        if (clause.sides or clause.shared) and not (clause.numbers or clause.cue):
            pending = clause
            continue
        merged.append(clause)
    if pending is not None:
        merged.append(pending)
    return merged


def joined(before: Clause, clause: Clause) -> bool:
    """True when two adjacent clauses belong to one statement.

    Clauses of one sentence are joined, and so are lines of a pasted log,
    which often end without a full stop.
    """
    return before.sentence == clause.sentence or clause.joint == "\n"
