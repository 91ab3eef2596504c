"""The training report: the user's own strings, plus the numbers read from them.

A report keeps ``d_loss_trend``, ``g_loss_trend`` and ``sample_notes`` exactly as
the user wrote them, because the [triage] block must quote them character for
character. Everything the rule engine reasons with (values, direction, scale)
is derived from those strings and kept beside them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from .catalog import GObjective, LossType, normalize_loss_type
from .control_chars import reject_control_characters
from .errors import InputError

Direction = Literal["increasing", "decreasing", "flat", "oscillating", "unknown"]

KNOWN_KEYS = (
    "d_loss_trend",
    "g_loss_trend",
    "sample_notes",
    "loss_type",
    "g_objective",
    "g_includes_extra_terms",
    "d_accuracy_on_real",
    "d_accuracy_on_fake",
    "d_x",
    "d_g_z",
    "epochs",
    "fixes_already_tried",
)

# Field values that mean "the user did not give this", not "a trend with no
# numbers".
NOT_REPORTED = frozenset(
    {
        "",
        "not reported",
        "n/a",
        "na",
        "none",
        "unknown",
        "-",
        "not given",
        "?",
        "null",
        "~",
    }
)


# Loss names that say "BCE" without saying whether D's terms are summed.
AMBIGUOUS_BCE = frozenset({"", "bce", "dcgan", "vanilla", "non-saturating", "ns"})


class Trend(BaseModel):
    """One loss trend as written, and what was read from it."""

    text: str
    # Loss values in time order; epoch, step and batch numbers are left out.
    values: list[float] = Field(default_factory=list)
    # Every number exactly as it appears in ``text``, for the verbatim check.
    tokens: list[str] = Field(default_factory=list)
    # True when ``values`` are the two ends of a range ("5-11", "between a and
    # b") rather than a sequence over time.
    is_range: bool = False
    direction: Direction = "unknown"
    # The text or the numbers say the value never changes at all ("stuck at",
    # "no variance", the same number at every step).
    exact_constant: bool = False
    reported: bool = True
    nonfinite: bool = False
    # Labelled components found in the text, such as the real and fake halves
    # of a split D loss ("real": [0.428], "fake": [0.016, 0.023]).
    parts: dict[str, list[float]] = Field(default_factory=dict)

    @property
    def level(self) -> float | None:
        """The loss's current level.

        A range gives its midpoint and a steady rise or fall its last value. A
        noisy sequence gives the median of its later half, so one odd last
        epoch does not decide the reading.
        """
        finite = [v for v in self.values if math.isfinite(v)]
        if not finite:
            return None
        if self.is_range:
            return (min(finite) + max(finite)) / 2
        steps = [b - a for a, b in zip(finite, finite[1:], strict=False)]
        if steps and (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
            return finite[-1]
        tail = finite[len(finite) // 2 :]
        ordered = sorted(tail)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


class Report(BaseModel):
    """A GAN training report, normalized."""

    d_loss_trend: str
    g_loss_trend: str
    sample_notes: str = ""
    loss_type: LossType | None = None
    g_objective: GObjective | None = None
    g_includes_extra_terms: bool = False
    d_accuracy_on_real: float | None = None
    d_accuracy_on_fake: float | None = None
    # Mean D output on real and on generated samples, when logged.
    d_x: float | None = None
    d_g_z: float | None = None
    epochs: int | None = None
    # Fix slugs the user has already tried, never proposed again.
    fixes_already_tried: list[str] = Field(default_factory=list)
    # False when the user wrote a loss family ("bce") without saying whether
    # D's real and fake terms are summed or averaged.
    bce_variant_known: bool = True
    d: Trend
    g: Trend
    origin: str = "report"
    unknown_keys: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


def _fraction(
    value: Any, field: str, origin: str, warnings: list[str] | None = None
) -> float | None:
    """Read an accuracy or D output as a fraction in [0, 1]; "97%" gives 0.97.

    A bare number above 1 is read as a percentage, and ``warnings`` says so.
    """
    if value is None or str(value).strip().lower() in ("", "null", "~", "none"):
        return None
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%").strip())
    except ValueError:
        raise InputError(
            f"{origin}: {field} is {text!r}; expected a number such as 0.97 or 97%"
        ) from None
    if percent or number > 1:
        if not percent and warnings is not None and number <= 100:
            warnings.append(f"{origin}: {field} {text} read as {text}%")
        number /= 100
    if not 0 <= number <= 1:
        raise InputError(
            f"{origin}: {field} is {text!r}; expected a fraction in 0-1 or a "
            "percentage in 0-100"
        )
    return number


def _flag(value: Any) -> bool:
    """Read a yes/no field given as a YAML or JSON boolean or as text."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("true", "yes", "1", "on")


def _text_field(data: dict[str, Any], key: str, origin: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if isinstance(value, (dict, bool)):
        raise InputError(
            f"{origin}: {key} is a {type(value).__name__}; expected text such as "
            '"0.9, 0.4, 0.1 (decreasing)"'
        )
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    else:
        text = str(value)
    reject_control_characters(text, f"{origin}: {key}")
    return text


def build_report(data: dict[str, Any], origin: str) -> Report:
    """Build a report from a mapping of the report's fields.

    Raises InputError naming ``origin`` and the field when a value is invalid.
    """
    from .trend import parse_trend

    warnings: list[str] = []
    unknown = {key: value for key, value in data.items() if key not in KNOWN_KEYS}
    for key in unknown:
        warnings.append(f"{origin}: unknown key {key!r} ignored")

    d_text = _text_field(data, "d_loss_trend", origin)
    g_text = _text_field(data, "g_loss_trend", origin)
    notes = _text_field(data, "sample_notes", origin)
    d_trend = parse_trend(d_text, side="d")
    g_trend = parse_trend(g_text, side="g")
    _check_trend(d_trend, "d_loss_trend", origin)
    _check_trend(g_trend, "g_loss_trend", origin)
    if not (d_trend.reported or g_trend.reported or notes.strip()):
        raise InputError(
            f"{origin}: no loss trend and no sample notes; give at least "
            'd_loss_trend and g_loss_trend, e.g. "0.9, 0.4, 0.1 (decreasing)"'
        )

    loss_type = None
    if data.get("loss_type") not in (None, "", "unknown"):
        loss_type = normalize_loss_type(str(data["loss_type"]))
        spelled = str(data["loss_type"]).strip().lower()
        if loss_type is not None and spelled not in (loss_type, "bce"):
            warnings.append(f"{origin}: loss_type {spelled!r} read as {loss_type}")
        if loss_type is None:
            raise InputError(
                f"{origin}: loss_type {data['loss_type']!r} is not known; expected "
                "one of bce-sum, bce-mean, lsgan, hinge, wgan, wgan-gp"
            )
    raw_loss_type = str(data.get("loss_type") or "").strip().lower()
    bce_variant_known = raw_loss_type not in AMBIGUOUS_BCE
    g_objective = data.get("g_objective")
    if str(data.get("loss_type", "")).strip().lower() in ("non-saturating", "ns"):
        g_objective = g_objective or "non-saturating"
    if g_objective not in (None, "non-saturating", "saturating"):
        raise InputError(
            f"{origin}: g_objective {g_objective!r} is not known; expected "
            "non-saturating or saturating"
        )

    epochs = data.get("epochs")
    if epochs is not None:
        if isinstance(epochs, bool) or not str(epochs).strip().isdigit():
            raise InputError(
                f"{origin}: epochs is {epochs}; expected a whole number of "
                "epochs trained so far, e.g. 40"
            )
        epochs = int(str(epochs).strip())

    tried = resolve_tried(data.get("fixes_already_tried"), origin, warnings)

    return Report(
        fixes_already_tried=tried,
        d_loss_trend=d_text,
        g_loss_trend=g_text,
        sample_notes=notes,
        loss_type=loss_type,
        g_objective=g_objective,
        g_includes_extra_terms=_flag(data.get("g_includes_extra_terms")),
        d_accuracy_on_real=_fraction(
            data.get("d_accuracy_on_real"), "d_accuracy_on_real", origin, warnings
        ),
        d_accuracy_on_fake=_fraction(
            data.get("d_accuracy_on_fake"), "d_accuracy_on_fake", origin, warnings
        ),
        d_x=_fraction(data.get("d_x"), "d_x", origin, warnings),
        d_g_z=_fraction(data.get("d_g_z"), "d_g_z", origin, warnings),
        epochs=epochs,
        bce_variant_known=bce_variant_known,
        d=d_trend,
        g=g_trend,
        origin=origin,
        unknown_keys=unknown,
        warnings=warnings,
    )


def resolve_tried(value: Any, origin: str, warnings: list[str]) -> list[str]:
    """Turn fix slugs or phrases ("spectral norm", "halved D's lr") into slugs.

    An entry that names no catalog fix is kept out and reported in ``warnings``.
    """
    from .followup import find_fixes

    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    slugs: list[str] = []
    for item in items:
        found = find_fixes(str(item))
        if not found:
            warnings.append(
                f"{origin}: fixes_already_tried entry {str(item)!r} names no known "
                "fix; see `gan-triage modes` for the fix names"
            )
        slugs.extend(slug for slug in found if slug not in slugs)
    return slugs


def _check_trend(trend: Trend, field: str, origin: str) -> None:
    if trend.reported and not trend.values and trend.direction == "unknown":
        raise InputError(
            f"{origin}: {field} {trend.text!r} has no numbers and no trend; write "
            'e.g. "0.9, 0.4, 0.1 (decreasing)" or "not reported"'
        )


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file, turning every way it can fail into InputError."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a report file")
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputError(
            f"{path}: binary content; expected a YAML, JSON or text report"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not valid UTF-8 (byte {error.start}); save the report as UTF-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: file is empty; expected a report")
    return text


# A line that starts with a report key: text that looks like a YAML report.
REPORT_KEY_LINE = re.compile(
    r"^\s*[\"']?(?:d_loss_trend|g_loss_trend|sample_notes)[\"']?\s*:", re.MULTILINE
)


# A YAML anchor or alias at the start of a value; nested aliases can expand a
# small file into gigabytes.
YAML_ALIAS = re.compile(r"(?::\s+|^\s*-\s+|[\[{,]\s*)[&*][A-Za-z0-9_-]+", re.MULTILINE)


def parse_mapping_text(
    text: str, origin: str, yaml_expected: bool = False
) -> dict[str, Any] | None:
    """Parse YAML or JSON report text; None when it is prose, not a mapping.

    Scalars are kept as the text the user typed (YAML's base loader, JSON
    numbers as strings), so ``0.50`` stays ``0.50`` for the verbatim quote.
    Broken YAML is an error when the file is meant to be YAML or the text has
    report keys. Any other text that is not a mapping is read as prose.
    """
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text, parse_float=str, parse_int=str)
        except json.JSONDecodeError as error:
            raise InputError(f"{origin}: invalid JSON: {error}") from None
    else:
        if YAML_ALIAS.search(text) and (yaml_expected or REPORT_KEY_LINE.search(text)):
            raise InputError(
                f"{origin}: YAML anchors and aliases (&name, *name) are not "
                "supported in a report; write each value out"
            )
        try:
            data = yaml.load(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as error:
            if yaml_expected or REPORT_KEY_LINE.search(text):
                raise InputError(f"{origin}: {_yaml_problem(error)}") from None
            return None
    if isinstance(data, dict):
        if not any(key in data for key in KNOWN_KEYS):
            raise InputError(
                f"{origin}: none of the report keys found (got "
                f"{', '.join(map(str, data)) or 'nothing'}); expected d_loss_trend, "
                "g_loss_trend and sample_notes"
            )
        return {str(key): value for key, value in data.items()}
    if isinstance(data, list):
        raise InputError(
            f"{origin}: a list; expected a mapping with d_loss_trend, g_loss_trend "
            "and sample_notes"
        )
    return None


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Describe a YAML error on one line, with its line number."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "could not be parsed"
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return (
        f"invalid YAML{where}: {problem}; check the quotes and indentation, or "
        "save the report as free text in a .txt file"
    )


def load_report(path: Path) -> Report:
    """Load a report from a YAML, JSON or free-text file."""
    text = read_text_file(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        data = parse_mapping_text(text, str(path), yaml_expected=True)
        if data is None:
            raise InputError(
                f"{path}: not a mapping; expected d_loss_trend, g_loss_trend and "
                "sample_notes keys"
            )
        return build_report(data, str(path))
    return report_from_text(text, str(path), prose=suffix == ".txt")


def report_from_text(text: str, origin: str, prose: bool = False) -> Report:
    """Build a report from YAML/JSON report text or from a free-text message."""
    if not prose:
        data = parse_mapping_text(text, origin)
        if data is not None:
            return build_report(data, origin)
    from .freetext import parse_free_text

    return build_report(parse_free_text(text, origin), origin)
