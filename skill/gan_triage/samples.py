"""Read what a user says about the generated samples, with negations understood."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each cue is a regular expression matched against one clause of the notes.
NOISE_CUES = (
    r"nois[ey]",
    r"random",
    r"nonsense",
    r"garbage",
    r"meaningless",
    r"gibberish",
    r"smears?",
    r"static",
    r"blobs?",
    r"unrecogni[sz]able",
    r"soup",
    r"mush",
    r"garbled",
)
# Samples that are plainly wrong without being noise or repeats: a reason to
# rule out equilibrium ("change nothing"), not evidence for any one mode.
POOR_CUES = (
    r"\b(?:all |just |only |completely |pure )?(?:black|blank|white|gr[ae]y)\s+"
    r"(?:images?|squares?|outputs?|samples?|frames?|pictures?)",
    r"\bnot (?:good|great|realistic|satisfying|convincing|usable)",
    r"\b(?:poor|bad|terrible|awful|broken|wrong)\b",
    r"artifacts?",
    r"checkerboard",
    r"(?:don't|do not|doesn't|does not|don't even) look like",
    r"nothing like",
    r"unsatisfying",
    r"are (?:all )?(?:black|blank|gr[ae]y)\b",
)
COLLAPSE_CUES = (
    r"(?:near[- ])?identical",
    r"(?:the )?same (?:digit|image|output|face|picture|sample|shape|pattern|thing)",
    # "every sample is the same grey blob", but not "look the same as theirs",
    # which compares with someone else's results.
    r"(?:all|every|they|samples|outputs|images|results)(?:\s+\w+){0,2}"
    r"\s+(?:look|are|is|seem)\s+(?:\w+\s+)?(?:the\s+)?same\b(?!\s+as\b)",
    r"\bsame\b(?!\s+as\b)\s+(?:\w+\s+){0,3}(?:every|regardless|whatever|each)\b",
    r"handful",
    r"one or two",
    r"only (?:a few|one|two)",
    r"mostly \w+s? and \w+s?",
    r"mode collapse",
    r"collaps\w*",
    r"little (?:variety|diversity)",
    r"no (?:variety|diversity)",
    r"lack of (?:variety|diversity)",
    r"look alike",
    r"always (?:generates|produces|outputs)",
    r"same (?:\d+|few|two|three|four|five|couple of|handful of) \w+",
    r"over and over",
    r"(?:\d+|a few|two|three|four|five) (?:kinds?|types?|distinct|different) of\b",
    r"only (?:shows?|produces?|generates?|outputs?|gives?) (?:\d+|a few|one|two|three)",
    r"\b(?:one|a single) (?:\w+ )?(?:blob|image|output|shape|digit|sample|mode)\b",
)
FLICKER_CUES = (
    r"flicker\w*",
    r"change[sd]? completely",
    r"jump\w* between",
    r"different (?:every|each) epoch",
    r"switch\w* between",
)
GOOD_CUES = (
    r"reasonable",
    r"look(?:s)? (?:good|fine|ok|okay|great|nice|plausible)",
    r"\bfine\b",
    r"realistic",
    r"\bvaried\b",
    r"diverse",
    r"sharp",
    r"recogni[sz]able",
    r"plausible",
    r"(?:about )?as good as",
    r"decent",
)
NEGATIONS = re.compile(
    r"\b(?:no|not|never|without|isn't|aren't|wasn't|don't|doesn't|hardly)\b"
    r"(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
LATENT_NOISE = re.compile(
    r"(?:whatever|regardless of|for every|for each|for any|any)\s+(?:the\s+)?"
    r"(?:input\s+|latent\s+)?(?:noise|z)\b"
)
NOT_DESCRIBED = re.compile(
    r"^\s*(?:not (?:described|reported|given)|n/?a|none|unknown|-)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class SampleReading:
    """The kinds of sample description found in the notes."""

    noise: bool = False
    collapse: bool = False
    flicker: bool = False
    good: bool = False
    poor: bool = False

    @property
    def described(self) -> bool:
        return self.noise or self.collapse or self.flicker or self.good or self.poor

    @property
    def bad(self) -> bool:
        return self.noise or self.collapse or self.flicker or self.poor


def read_samples(notes: str) -> SampleReading:
    """Classify sample notes into noise, collapse, flicker and good cues."""
    if not notes.strip() or NOT_DESCRIBED.match(notes):
        return SampleReading()
    found = {
        "noise": False,
        "collapse": False,
        "flicker": False,
        "good": False,
        "poor": False,
    }
    for clause in re.split(r"[.;,]|\bbut\b|\bthen\b", notes.lower()):
        # "whatever the noise" is about the input z, not about the samples.
        clause = LATENT_NOISE.sub(" ", clause)
        noise = _has_cue(clause, NOISE_CUES)
        collapse = _has_cue(clause, COLLAPSE_CUES)
        # "collapsed into random smears" describes samples degrading to noise,
        # not a generator repeating a few outputs.
        if noise and _only_collapse_word(clause):
            collapse = False
        found["noise"] |= noise
        found["collapse"] |= collapse
        found["flicker"] |= _has_cue(clause, FLICKER_CUES)
        found["good"] |= _has_cue(clause, GOOD_CUES)
        found["poor"] |= _has_cue(clause, POOR_CUES)
    return SampleReading(**found)


def _only_collapse_word(clause: str) -> bool:
    """True when the clause's only collapse cue is a form of "collapse"."""
    specific = [cue for cue in COLLAPSE_CUES if cue != r"collaps\w*"]
    return bool(re.search(r"collaps\w*", clause)) and not _has_cue(clause, specific)


def _has_cue(clause: str, cues: tuple[str, ...] | list[str]) -> bool:
    for cue in cues:
        for match in re.finditer(cue, clause):
            if not NEGATIONS.search(clause[: match.start()]):
                return True
    return False
