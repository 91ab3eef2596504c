"""The [triage] block: rendering it, and finding it again in a model's reply.

Models wrap the block in prose and code fences, bold its keys, indent it
unevenly and end lines with CRLF. The reader here accepts all of that, and
``repair_reply`` rewrites such a reply into the canonical layout without
changing the text of any field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from .errors import BlockError
from .report import NOT_REPORTED, Report

FIELD_NAMES = ("failure", "evidence", "fix", "retry")

# Sample notes that mean "the user described no samples".
SAMPLES_NOT_GIVEN = NOT_REPORTED | {"not described", "not given"}

# Delimiter pairs for quoting a user's string, tried in order. The first pair
# whose characters do not occur in the string is used, so the string stays
# verbatim and a reader can still find where the quote ends.
QUOTE_PAIRS = (('"', '"'), ("'", "'"), ("“", "”"), ("«", "»"))

# No two whitespace runs sit side by side in HEADER, because on a long blank
# line they would make matching take quadratic time.
HEADER = re.compile(
    r"^\s*(?:[#>]+\s*)?(?:[*_`]+\s*)?\[\s*triage\s*\]\s*(?:[*_`]+\s*)?(?::\s*)?$",
    re.IGNORECASE,
)
FENCE = re.compile(r"^\s*(?:```|~~~)")
# A "key: value" line. The key may be bolded ("**fix:**", "**fix**:") or sit
# behind a list bullet; "(?!//)" keeps URLs such as https://... from matching.
KEYED_LINE = re.compile(
    r"^(?P<indent>\s*)(?:[-*+•]\s+)?[*_`]{0,3}"
    r"(?P<key>[A-Za-z][A-Za-z_ -]{0,30}?)[*_`]{0,3}\s*:(?!//)[*_`]{0,3}\s*"
    r"(?P<value>.*)$"
)
WRAPPERS = ("**", "__", "`")


class TriageBlock(BaseModel):
    """The four fields of a [triage] block."""

    failure: str
    evidence: str
    fix: str
    retry: str


@dataclass(frozen=True)
class BlockField:
    """One ``key: value`` entry of a block as found in a reply.

    ``lines`` contains the text after the colon and then each continuation
    line, stripped. ``line`` is the index of the key's line in the reply.
    """

    name: str
    lines: tuple[str, ...]
    line: int

    @property
    def value(self) -> str:
        """The field's text with its continuation lines joined by spaces."""
        return " ".join(part for part in self.lines if part)


@dataclass
class FoundBlock:
    """A [triage] block found in a reply, with line indices into that reply.

    ``fields`` contains the four known fields in the order written, repeats
    included. ``extras`` contains any other ``key: value`` lines inside it.
    ``end`` is the index after the block's last line.
    """

    start: int
    end: int
    fields: list[BlockField] = field(default_factory=list)
    extras: list[BlockField] = field(default_factory=list)

    def get(self, name: str) -> BlockField | None:
        """Return the first field called ``name``, or None."""
        for entry in self.fields:
            if entry.name == name:
                return entry
        return None

    def to_block(self) -> TriageBlock:
        """Build a TriageBlock, raising BlockError for a missing or repeated field."""
        names = [entry.name for entry in self.fields]
        missing = [name for name in FIELD_NAMES if name not in names]
        if missing:
            raise BlockError(
                f"[triage] block has no {', '.join(missing)} field; expected the "
                f"four fields {', '.join(FIELD_NAMES)}"
            )
        for name in FIELD_NAMES:
            if names.count(name) > 1:
                raise BlockError(
                    f"[triage] block has {names.count(name)} {name} fields; "
                    "expected exactly one"
                )
        values = {entry.name: entry.value for entry in self.fields}
        empty = [name for name in FIELD_NAMES if not values[name]]
        if empty:
            raise BlockError(f"[triage] block has an empty {', '.join(empty)} field")
        return TriageBlock(**values)


def render_block(block: TriageBlock) -> str:
    """Render a block in the canonical layout, without a trailing newline."""
    lines = ["[triage]"]
    for name in FIELD_NAMES:
        lines.append(_field_line(name, getattr(block, name)))
    return "\n".join(lines)


def _field_line(name: str, value: str) -> str:
    # "evidence:" is the longest key, so values start in column 13.
    return f"  {(name + ':').ljust(9)} {value}"


def sample_notes_given(report: Report) -> bool:
    """Tell whether the user described the samples at all."""
    notes = report.sample_notes.strip().lower().rstrip(".")
    return notes not in SAMPLES_NOT_GIVEN


def quote(text: str) -> str:
    """Quote ``text`` unchanged, with delimiters that do not occur inside it.

    A line break would split the block's one-line field, so runs of
    whitespace that contain one become a single space.
    """
    if "\n" in text or "\r" in text:
        text = " ".join(text.split())
    for opening, closing in QUOTE_PAIRS:
        if opening not in text and closing not in text:
            return f"{opening}{text}{closing}"
    return f'"{text}"'


def format_evidence(report: Report, note: str | None = None) -> str:
    """Write the evidence line: the user's three strings quoted verbatim.

    A loss trend the user did not give is written ``d_loss not reported``, and
    missing sample notes ``samples not described``. ``note`` is appended after
    a semicolon; it must hold no number beyond the catalog's reference values.
    """
    parts = [
        f"d_loss {quote(report.d_loss_trend)}"
        if report.d.reported
        else "d_loss not reported",
        f"g_loss {quote(report.g_loss_trend)}"
        if report.g.reported
        else "g_loss not reported",
        f"samples {quote(report.sample_notes)}"
        if sample_notes_given(report)
        else "samples not described",
    ]
    if note:
        parts.append(note)
    return "; ".join(parts)


def split_lines(text: str) -> list[str]:
    """Split text into lines, treating CRLF and lone CR as line ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _unwrap(value: str) -> str:
    """Drop markdown emphasis or backticks that wrap the whole value."""
    for marker in WRAPPERS:
        inner = value[len(marker) : -len(marker)]
        if (
            len(value) > 2 * len(marker)
            and value.startswith(marker)
            and value.endswith(marker)
            and marker not in inner
        ):
            return inner.strip()
    return value


def _keyed(line: str) -> tuple[str, str] | None:
    """Return (key, value) for a ``key: value`` line, the key lowercased."""
    match = KEYED_LINE.match(line)
    if match is None:
        return None
    key = "_".join(match.group("key").lower().split())
    return key, _unwrap(match.group("value").strip())


def _known(line: str) -> str | None:
    keyed = _keyed(line)
    if keyed is not None and keyed[0] in FIELD_NAMES:
        return keyed[0]
    return None


def _next_nonblank(lines: list[str], index: int) -> int | None:
    for position in range(index, len(lines)):
        if lines[position].strip():
            return position
    return None


def _region_end(lines: list[str], header: int) -> int:
    """Find where the lines that may belong to the block starting at ``header`` end.

    A blank line ends the region unless a field line follows it and the
    block is not yet complete. Once all four fields are seen, an unindented
    line that is not a field also ends it.
    """
    seen: set[str] = set()
    position = header + 1
    end = position
    while position < len(lines):
        line = lines[position]
        if HEADER.match(line):
            break
        if FENCE.match(line):
            if seen:
                break
            position += 1
            end = position
            continue
        if not line.strip():
            following = _next_nonblank(lines, position)
            complete = seen >= set(FIELD_NAMES)
            if following is None or complete or _known(lines[following]) is None:
                break
            position = following
            continue
        name = _known(line)
        if name is not None:
            seen.add(name)
        elif seen >= set(FIELD_NAMES) and not line[:1].isspace():
            break
        position += 1
        end = position
    return end


def _block_at(lines: list[str], header: int) -> FoundBlock:
    """Read the block whose ``[triage]`` line is ``lines[header]``."""
    region_end = _region_end(lines, header)
    field_lines = [
        index for index in range(header + 1, region_end) if _known(lines[index])
    ]
    if not field_lines:
        return FoundBlock(start=header, end=header + 1)

    # The block ends at its last field plus that field's continuation lines,
    # which are indented. A keyed line counts as continuation only when it is
    # indented deeper than the field ("fix:" then "    Use TTUR: set ...").
    last = field_lines[-1]
    end = last + 1
    while (
        end < region_end
        and lines[end].strip()
        and lines[end][:1].isspace()
        and (_keyed(lines[end]) is None or _indent(lines[end]) > _indent(lines[last]))
    ):
        end += 1

    block = FoundBlock(start=header, end=end)
    current: list[str] | None = None
    current_indent = 0
    pending: tuple[str, int, list[str], bool] | None = None
    for index in range(header + 1, end):
        line = lines[index]
        if not line.strip() or FENCE.match(line):
            continue
        keyed = _keyed(line)
        deeper = current is not None and _indent(line) > current_indent
        if keyed is not None and (keyed[0] in FIELD_NAMES or not deeper):
            if pending is not None:
                _store(block, pending)
            key, value = keyed
            current = [value]
            current_indent = _indent(line)
            pending = (key, index, current, key in FIELD_NAMES)
        elif current is not None:
            current.append(line.strip())
    if pending is not None:
        _store(block, pending)
    return block


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def _store(block: FoundBlock, pending: tuple[str, int, list[str], bool]) -> None:
    key, index, lines, known = pending
    entry = BlockField(name=key, lines=tuple(lines), line=index)
    (block.fields if known else block.extras).append(entry)


def find_blocks(reply: str) -> list[FoundBlock]:
    """Find every [triage] block in a reply, in order."""
    lines = split_lines(reply)
    blocks: list[FoundBlock] = []
    index = 0
    while index < len(lines):
        if HEADER.match(lines[index]):
            block = _block_at(lines, index)
            blocks.append(block)
            index = max(block.end, index + 1)
        else:
            index += 1
    return blocks


def parse_block(reply: str) -> TriageBlock:
    """Parse the one [triage] block in a reply.

    Raises BlockError when there is no block, more than one, or a field is
    missing, repeated or empty.
    """
    blocks = find_blocks(reply)
    if not blocks:
        raise BlockError(
            "reply has no [triage] block; expected a line '[triage]' followed by "
            "failure:, evidence:, fix: and retry: lines"
        )
    if len(blocks) > 1:
        raise BlockError(
            f"reply has {len(blocks)} [triage] blocks; expected exactly one"
        )
    return blocks[0].to_block()


def text_outside_blocks(reply: str, blocks: list[FoundBlock] | None = None) -> str:
    """Return the reply's lines that belong to no [triage] block."""
    lines = split_lines(reply)
    inside: set[int] = set()
    for block in find_blocks(reply) if blocks is None else blocks:
        inside.update(range(block.start, block.end))
    return "\n".join(line for index, line in enumerate(lines) if index not in inside)


def _fenced_blocks(lines: list[str], blocks: list[FoundBlock]) -> set[int]:
    """Return the indices of the fence lines that open and close around a block.

    Fences pair up in order. A pair is dropped when it encloses a block's
    header or when it opens inside a block, just under the header.
    """
    fences = [index for index, line in enumerate(lines) if FENCE.match(line)]
    closings = [*fences[1::2], len(lines)]
    drop: set[int] = set()
    for opening, closing in zip(fences[::2], closings, strict=False):
        for block in blocks:
            if opening < block.start < closing or block.start < opening < block.end:
                drop.update({opening, closing})
    drop.discard(len(lines))
    return drop


def repair_reply(text: str) -> str:
    """Rewrite a reply's [triage] blocks into the canonical layout.

    The repairs cost no model call: CRLF becomes LF, code fences around a
    block are removed, bullets and bold around keys go, blank lines inside a
    block go, and every field is re-indented and aligned as ``render_block``
    writes it. A reply with no ``[triage]`` line but a complete run of
    failure, evidence, fix and retry lines gets the line added above them.
    Field values and all text outside the blocks stay as written.
    """
    lines = split_lines(text)
    blocks = find_blocks(text)
    if not blocks:
        lines = _with_header(lines)
        blocks = find_blocks("\n".join(lines))
    drop = _fenced_blocks(lines, blocks)
    replaced: dict[int, list[str]] = {}
    for block in blocks:
        replaced[block.start] = ["[triage]"]
        for index in range(block.start + 1, block.end):
            replaced[index] = []
        for entry in sorted([*block.fields, *block.extras], key=lambda e: e.line):
            replaced[entry.line] = _canonical_field(entry)

    output: list[str] = []
    for index, line in enumerate(lines):
        if index in drop:
            continue
        output.extend(replaced.get(index, [line]))
    return "\n".join(output)


def _with_header(lines: list[str]) -> list[str]:
    """Insert a missing ``[triage]`` line above a complete run of four fields.

    The lines come back unchanged unless the fields from the first
    ``failure:`` line on form a block with all four fields.
    """
    first = next((index for index, line in enumerate(lines) if _known(line)), None)
    if first is None or _known(lines[first]) != "failure":
        return lines
    candidate = [*lines[:first], "[triage]", *lines[first:]]
    block = _block_at(candidate, first)
    if {entry.name for entry in block.fields} >= set(FIELD_NAMES):
        return candidate
    return lines


def _canonical_field(entry: BlockField) -> list[str]:
    first, *rest = entry.lines
    lines = [_field_line(entry.name, first).rstrip()]
    lines.extend(" " * 12 + part for part in rest if part)
    return lines
