"""Turn a chat message about a GAN run into the report's fields.

"D loss fell from 0.69 to 0.0003 while errG climbed to 14, and every sample is
the same grey blob" gives ``d_loss_trend`` "D loss fell from 0.69 to 0.0003",
``g_loss_trend`` "errG climbed to 14" and ``sample_notes`` "every sample is the
same grey blob". Each field is a verbatim substring of the message, because
the [triage] block quotes the user's own words.

The message is cut into clauses, each clause is marked with what it is about
(D, G, both, samples, a non-adversarial term), and each field takes the best
run of adjacent clauses about its subject. A clause that gives both losses'
numbers ("G: 1.51 | D: 0.21", "(D, G) pairs (-10472.3, 4983.0)") is kept
whole for both fields; ``parse_trend(text, side=...)`` then keeps each loss's
own numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .loss_names import Side, aux_term, sides_named
from .number_text import find_numbers, find_zero_word
from .trend import parse_trend
from .trend_direction import cue_direction, has_exact_cue

NOT_REPORTED = "not reported"
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "approx", "cf")
_JOINING_WORD = re.compile(r"\s+(while|whereas|but|and)\s+", re.IGNORECASE)
_LEADING_WORD = re.compile(r"^(?:and|but|while|whereas|so)\s+", re.IGNORECASE)
_LOSS_WORD = re.compile(r"\blosses\b|\bloss\b", re.IGNORECASE)
# Losses named together without saying which: "the losses are enormous".
_SHARED_WORD = re.compile(r"\blosses\b|\bboth\b", re.IGNORECASE)
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
# Objectives, most specific first, so "cWGAN-GP" is not read as plain WGAN.
_LOSS_TYPES = (
    ("wgan-gp", re.compile(r"wgan[-_ ]?gp", re.IGNORECASE)),
    ("wgan", re.compile(r"\bwgan\b|wasserstein", re.IGNORECASE)),
    ("lsgan", re.compile(r"least[- ]squares?|\blsgan\b", re.IGNORECASE)),
    ("hinge", re.compile(r"\bhinge\b", re.IGNORECASE)),
    ("non-saturating", re.compile(r"non-?saturating", re.IGNORECASE)),
    ("bce", re.compile(r"\bbce\b|binary cross[- ]entropy", re.IGNORECASE)),
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
# "The generator produces the same face": a clause about samples, not G's loss.
_PRODUCE_VERB = re.compile(
    r"\b(?:generates?|generated|produces?|produced|outputs|outputting|makes|"
    r"creates?|created)\b",
    re.IGNORECASE,
)


@dataclass
class _Clause:
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


def parse_free_text(text: str, origin: str) -> dict[str, Any]:
    """Read a chat message into the fields ``build_report`` takes.

    Raises InputError when the message names no D or G loss and describes no
    samples.
    """
    clauses = _merge_subjects(text, [_describe(text, c) for c in _split(text)])
    d_text = _loss_field(text, clauses, "d")
    g_text = _loss_field(text, clauses, "g")
    notes = _sample_field(text, clauses)
    if d_text is None and g_text is None and notes is None:
        raise InputError(
            f"{origin}: names no D or G loss; write e.g. "
            '"D loss 0.9 -> 0.1, G loss 1 -> 6"'
        )

    fields: dict[str, Any] = {
        "d_loss_trend": d_text or NOT_REPORTED,
        "g_loss_trend": g_text or NOT_REPORTED,
        "sample_notes": notes or NOT_REPORTED,
    }
    fields.update(_stated_settings(text))
    return fields


def _split(text: str) -> list[_Clause]:
    """Cut the message at sentence ends, semicolons and joining words.

    Nothing inside round or square brackets is cut, so "(0.0001 down to
    6.7e-06 by epoch 10)" and "[-923.4, -1826.9]" stay whole. A comma cuts only
    before a word, so "0.9368, 0.8507, 0.8301" stays one list.
    """
    clauses: list[_Clause] = []
    depth, start, sentence, joint = 0, 0, 0, ""
    index = 0
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
        if kind in (".", "?", "!"):
            if kind == "?":
                for clause in clauses:
                    clause.question = clause.question or clause.sentence == sentence
            sentence += 1
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
    if char.isspace():
        match = _JOINING_WORD.match(text, index)
        if match is not None:
            word = match.group(1).lower()
            if word != "and" or _starts_subject(text[match.end() :]):
                return word, match.end()
    return None


def _starts_subject(after: str) -> bool:
    """True when the words after "and" open a new subject ("and errG ...")."""
    words = after.split()[:3]
    for word in words:
        bare = word.strip(",.;:()")
        if sides_named(bare) or aux_term(bare) is not None:
            return True
        if _LOSS_WORD.fullmatch(bare) or _SAMPLE_NOUN.fullmatch(bare):
            return True
    return False


def _emit(
    clauses: list[_Clause], text: str, start: int, end: int, sentence: int, joint: str
) -> None:
    while start < end and text[start].isspace():
        start += 1
    leading = _LEADING_WORD.match(text, start, end)
    if leading is not None:
        start = leading.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    if end > start:
        clauses.append(_Clause(start=start, end=end, sentence=sentence, joint=joint))


def _describe(text: str, clause: _Clause) -> _Clause:
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


def _merge_subjects(text: str, clauses: list[_Clause]) -> list[_Clause]:
    """Join a clause that only names its subject to the clause after it.

    In "the percep, Fake and Real losses all hover around 0.69" the first
    clause has no number and no verb of its own, and "hover around 0.69"
    applies to all three losses.
    """
    merged: list[_Clause] = []
    pending: _Clause | None = None
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


def _loss_field(text: str, clauses: list[_Clause], side: Side) -> str | None:
    """Pick the run of adjacent clauses that best describes one loss.

    Clauses about someone else's run are used only when nothing else is.
    """
    own = _best_run(text, clauses, side, others=False)
    return own if own is not None else _best_run(text, clauses, side, others=True)


def _best_run(
    text: str, clauses: list[_Clause], side: Side, others: bool
) -> str | None:
    relevant: list[bool] = []
    for index, clause in enumerate(clauses):
        about = (side in clause.sides or clause.shared) and (
            others or not clause.other_person
        )
        follows = (
            index > 0
            and relevant[index - 1]
            and _joined(clauses[index - 1], clause)
            and _continues(clause)
        )
        relevant.append(about or follows)
    _bridge(clauses, relevant, side)

    best: tuple[tuple[bool, bool, bool], str] | None = None
    for run in _runs(clauses, relevant):
        span = text[run[0].start : run[-1].end]
        trend = parse_trend(span, side=side)
        if not trend.values and trend.direction == "unknown":
            continue
        score = (
            any(side in clause.sides for clause in run),
            bool(trend.values),
            trend.direction != "unknown",
        )
        if best is None or score > best[0]:
            best = (score, span)
    return best[1] if best else None


def _bridge(clauses: list[_Clause], relevant: list[bool], side: Side) -> None:
    """Carry a statement about both losses over to a later clause about one.

    In "Both losses oscillate wildly: D between 0.1 and 2, G between 1 and 8"
    G's run reaches back over D's clause to "Both losses oscillate wildly".
    The trend reader then drops D's numbers and D's words from G's reading.
    """
    for last, clause in enumerate(clauses):
        if side not in clause.sides:
            continue
        first = last - 1
        while first >= 0 and _joined(clauses[first], clauses[first + 1]):
            opening = clauses[first]
            if opening.shared and (opening.numbers or opening.cue):
                relevant[first : last + 1] = [True] * (last + 1 - first)
                break
            first -= 1


def _joined(before: _Clause, clause: _Clause) -> bool:
    """True when two adjacent clauses belong to one statement.

    Clauses of one sentence are joined, and so are lines of a pasted log,
    which often end without a full stop.
    """
    return before.sentence == clause.sentence or clause.joint == "\n"


def _continues(clause: _Clause) -> bool:
    """True for a clause with no subject that goes on about the one before it."""
    bare = not (clause.sides or clause.shared or clause.aux or clause.sample)
    return bare and (clause.numbers or clause.cue)


def _sample_field(text: str, clauses: list[_Clause]) -> str | None:
    """Pick the longest run of adjacent clauses about the samples."""
    relevant: list[bool] = []
    for index, clause in enumerate(clauses):
        follows = (
            index > 0
            and relevant[index - 1]
            and _joined(clauses[index - 1], clause)
            and not (clause.sides or clause.shared or clause.aux or clause.question)
        )
        relevant.append(clause.sample or follows)
    runs = _runs(clauses, relevant)
    if not runs:
        return None
    longest = max(runs, key=len)
    return text[longest[0].start : longest[-1].end]


def _runs(clauses: list[_Clause], relevant: list[bool]) -> list[list[_Clause]]:
    """Group adjacent relevant clauses of one sentence."""
    runs: list[list[_Clause]] = []
    for clause, keep in zip(clauses, relevant, strict=True):
        if not keep:
            continue
        before = _previous(clauses, clause)
        if runs and before is not None and runs[-1][-1] is before:
            if _joined(before, clause):
                runs[-1].append(clause)
                continue
        runs.append([clause])
    return runs


def _previous(clauses: list[_Clause], clause: _Clause) -> _Clause | None:
    index = clauses.index(clause)
    return clauses[index - 1] if index > 0 else None


def _stated_settings(text: str) -> dict[str, Any]:
    """Read the loss type, D accuracies and epoch count, when stated."""
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
        if match is not None:
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
    """Read D's accuracy on real and on fake samples near a word "accuracy"."""
    found: dict[str, str] = {}
    for word in _ACCURACY_WORD.finditer(text):
        window = text[max(0, word.start() - 30) : word.end() + 60]
        before = _ACCURACY_BEFORE_HALVES.search(window)
        if before is not None:
            for half in before.groups()[1:]:
                if half:
                    field = f"d_accuracy_on_{half.lower().rstrip('s')}"
                    found.setdefault(field, before.group(1).strip())
        for field, pattern in _ACCURACY_HALVES.items():
            match = pattern.search(window)
            if match is not None and field not in found:
                found[field] = match.group(1).strip()
    return found
