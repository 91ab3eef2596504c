"""Phrases the validator looks for in a reply: second fixes, "train longer", requests.

Each pattern is matched case-insensitively. The lists cover the usual ways
models and forum answers word these things. A wording missing here lets a reply
through, so the tests pin the common ones.
"""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE


def _compile(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, _FLAGS) for pattern in patterns)


# Inside the fix field: any word that joins or offers a second change.
FIX_ALTERNATIVES = _compile(
    r"\bor\b",
    r"\band/or\b",
    r"\balternative(?:ly|s)?\b",
    r"\beither\b",
    r"\banother\s+(?:option|fix|approach|way)\b",
    r"\b(?:you|we)\s+(?:can|could|might|may)\s+also\b",
    r"\bif\s+(?:that|this|it)\s+(?:still\s+)?(?:fails|does\s*n[o']t|is\s*n[o']t)\b",
    r"\bif\s+still\b",
    r"\bfailing\s+that\b",
    r"\badditionally\b",
    r"\bin\s+addition\b",
)

# A bullet or number that starts a line of the fix ("- add", "2) halve").
FIX_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\(?\d{1,2}[.)]|\(?[a-h][)])\s+")
# Two numbered items written inline: "1) add X 2) halve Y", "(a) ... (b) ...".
FIX_INLINE_LIST = re.compile(
    r"(?:^|[\s:;,])\(?(?:1|a|i)[.)]\s.*?[\s;,]\(?(?:2|b|ii)[.)]\s", _FLAGS
)

_FIX_VERB = (
    r"(?:try|switch|use|add|lower|halve|double|replace|reduce|decrease|increase|"
    r"raise|apply|move|consider|change|set|remove|drop|enable|disable|turn|swap|"
    r"tune|train|go\s+(?:to|for))"
)

# Inside the fix field: a second change chained onto the first ("..., and also
# halve D's learning rate", "then switch to WGAN-GP").
FIX_CHAINED = _compile(
    r"\balso\s+" + _FIX_VERB + r"\b",
    r"\bthen\s+(?:also\s+)?" + _FIX_VERB + r"\b",
    r"\bplus\s+" + _FIX_VERB + r"\b",
    r"\bas\s+well\s+as\s+(?:" + _FIX_VERB + r"|\w+ing)\b",
)

# Outside the block: prose that offers a second fix.
PROSE_SECOND_FIX = _compile(
    r"\balternatively\b",
    r"\banother\s+(?:option|fix|approach|alternative|idea|possibility|thing\s+to\s+try)\b",
    r"\b(?:other|more)\s+(?:options|fixes|approaches|alternatives)\b",
    r"\b(?:you|we)\s+(?:can|could|might|may|should)\s+also\s+" + _FIX_VERB + r"\b",
    r"\balso\s+(?:try|consider)\b",
    r"\bif\s+(?:that|this|it|the\s+fix|this\s+fix|that\s+fix)\s+(?:still\s+)?"
    r"(?:fails|does\s*n[o']t\s+(?:work|help|fix\s+it)|is\s*n[o']t\s+enough)\b"
    # The gap may not pass "come back" or "triage": returning for a new
    # triage is the intended next step, not a second fix.
    r"(?:(?!come\s+back|triage)[^.;\n]){0,40}?,?\s*(?:then\s*,?\s*)?"
    r"(?:you\s+(?:can|could|should|might)\s+)?" + _FIX_VERB + r"\b",
    r"\bfailing\s+that\b",
    r"\bor\s+(?:you\s+could|try|switch\s+to|consider)\b",
    r"\b(?:a\s+)?second\s+(?:fix|option)\b",
    r"\boption\s+(?:2|b|two)\b",
    r"\bplan\s+b\b",
)

# "Train longer" in its many wordings.
TRAIN_LONGER = _compile(
    r"\btrain(?:ing)?\s+(?:it\s+|the\s+(?:model|gan|network|run)\s+)?(?:for\s+)?longer\b",
    r"\blonger\s+training\b",
    r"\b(?:keep|continue|carry\s+on|resume|go\s+on)\s+(?:with\s+)?(?:the\s+)?"
    r"(?:training|to\s+train|running|the\s+run)\b",
    r"\btrain(?:ing)?\s+(?:it\s+|the\s+model\s+)?(?:a\s+(?:bit|little|while)\s+|some\s+)?more\b",
    r"\b(?:more|additional|extra)\s+training(?!\s+(?:data|images|examples|samples))\b",
    r"\brun\s+(?:it\s+)?(?:for\s+)?longer\b",
    r"\bwait\s+(?:it\s+out|longer|and\s+see)\b",
    r"\bbe\s+patient\b",
    r"\bjust\s+wait\b",
)

# Waiting wordings that also describe the retry wait after a fix ("run 5 more
# epochs after the change, then triage again"). They count as "train longer"
# unless their sentence names an epoch count and a return to triage.
WAIT_LONGER = _compile(
    r"\b(?:more|additional|extra|further)\s+(?:epochs|iterations|iters|steps|kimg)\b",
    r"\bgive\s+it\s+(?:some\s+|more\s+)?time\b",
    r"\b(?:let|leave)\s+it\s+(?:run|train|go|cook)\b",
)
RETRY_CUE = re.compile(
    r"\b(?:re-?triage|triage\s+(?:it\s+)?again|come\s+back|check\s+back|report\s+back)\b",
    _FLAGS,
)
EPOCH_COUNT = re.compile(r"\b\d+\s+(?:more\s+)?epochs?\b", _FLAGS)

# A negation before the phrase in its sentence ("don't keep training",
# "rather than training longer") ...
NEGATION_BEFORE = re.compile(
    r"\b(?:not|never|no|instead\s+of|rather\s+than|without|avoid|nor)\b|n't\b", _FLAGS
)
# ... or right after it ("training longer won't help").
NEGATION_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:will\s+not|won't|would\s+not|wouldn't|does\s+not|"
    r"doesn't|cannot|can't|is\s+not|isn't|will\s+never|is\s+unlikely)\b",
    _FLAGS,
)
# A sentence end: ., ! or ? before a space or the end of text, or a line break.
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")

# The three items a no-match reply requests.
D_ACCURACY = re.compile(
    r"\b(?:d|discriminator)(?:'s)?[\s_-]*(?:accuracy|acc)\b"
    r"|\baccuracy\s+of\s+(?:the\s+)?(?:d|discriminator)\b",
    _FLAGS,
)
REAL_WORD = re.compile(r"\breals?\b", _FLAGS)
FAKE_WORD = re.compile(r"\b(?:fakes?|generated)\b", _FLAGS)
SAMPLE_GRID = re.compile(
    r"\bsamples?[\s_-]*grid\b|\bimage[\s_-]*grid\b"
    r"|\bgrid\s+of\s+(?:\w+\s+){0,2}(?:samples|images|outputs)\b"
    r"|\b(?:samples|images|outputs)\s+(?:in|as|on)\s+an?\s+(?:\w+\s+)?grid\b",
    _FLAGS,
)

# Retry wording: "5 epochs", "5 more epochs", "ten epochs", "5-10 epochs".
WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
}
_EPOCH_COUNT = r"(?<![\w.])(?P<count>\d+(?:\.\d+)?|" + "|".join(WORD_NUMBERS) + r")"
_EPOCH_UNIT = r"\s*(?:(?:more|additional|further|extra|full|training)\s+)?epochs?\b"
RETRY_EPOCHS = re.compile(_EPOCH_COUNT + _EPOCH_UNIT, _FLAGS)
RETRY_RANGE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s*(?:-|–|to)\s*\d+(?:\.\d+)?" + _EPOCH_UNIT, _FLAGS
)
