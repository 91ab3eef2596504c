"""Render SKILL.md and the model prompts from the jinja2 templates in ``prompts/``.

The templates ship inside the installed package as ``gan_triage.prompts`` (the
wheel maps the repository's ``prompts/`` folder onto that name). A checkout that
is on the path without that mapping, such as an older editable install, reads
the same folder from the repository instead.

jinja2 runs sandboxed with ``StrictUndefined``. User text only ever reaches a
template as a value, so template syntax inside a report is sent literally.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import FunctionLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from . import __version__, catalog
from .report import KNOWN_KEYS, Report

TEMPLATE_PACKAGE = "gan_triage.prompts"
SKILL_TEMPLATE = "SKILL.md.j2"
SYSTEM_TEMPLATE = "system.md.j2"
USER_TEMPLATE = "user.md.j2"
REASK_TEMPLATE = "reask.md.j2"

SKILL_DESCRIPTION = (
    "Triage a GAN training run from its discriminator and generator loss trends, "
    "sample notes or training log: name exactly one failure mode (D wins, mode "
    "collapse, oscillation, vanishing generator gradient, equilibrium, plus NaN "
    "and frozen runs) and exactly one fix, quoting the reported numbers "
    "verbatim. Use when someone shares GAN losses or logs, asks why a GAN is not "
    "learning or its samples look wrong, or comes back after trying a fix."
)
SKILL_COMPATIBILITY = (
    "Python 3.11 or later. The rule engine runs offline; the optional model "
    "path needs the anthropic package and ANTHROPIC_API_KEY."
)

# Report fields sent to the model, in this order; None values are left out.
# Tried fixes travel separately, merged with the ones given as flags.
REPORT_FIELDS = tuple(key for key in KNOWN_KEYS if key != "fixes_already_tried")


@dataclass(frozen=True)
class FindingText:
    """One validator finding as the re-ask message shows it to the model."""

    rule: str
    message: str


def template_root() -> Traversable:
    """Return the folder the templates are read from.

    The installed package comes first. A checkout whose path entry does not map
    ``gan_triage.prompts`` falls back to the repository's ``prompts/`` folder.
    """
    try:
        return resources.files(TEMPLATE_PACKAGE)
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "prompts"
        if (checkout / SKILL_TEMPLATE).is_file():
            return checkout
        raise


def _load_template(name: str) -> str:
    # Template names come only from this module and from {% include %} lines
    # inside the templates, never from user input.
    return (template_root() / name).read_text(encoding="utf-8")


def _yaml_string(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, so ": " and "#" inside
    # the value cannot change the frontmatter's structure.
    return json.dumps(value, ensure_ascii=False)


@cache
def environment() -> SandboxedEnvironment:
    """Build the sandboxed jinja2 environment shared by every render."""
    env = SandboxedEnvironment(
        loader=FunctionLoader(_load_template),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["yaml_string"] = _yaml_string
    return env


def _epochs(count: int) -> str:
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def _retry_rule(retry: catalog.Retry) -> str:
    # Mirrors catalog.Retry.epochs, so a model can work out the same number.
    if retry.fraction <= 0 or retry.cap <= retry.base:
        return f"{_epochs(retry.base)}."
    percent = f"{retry.fraction * 100:g}%"
    return (
        f"{_epochs(retry.base)}; when the report gives the epochs trained so far, "
        f"{percent} of them (rounded), at least {retry.base} and at most "
        f"{retry.cap}."
    )


def _mode_context(mode: catalog.Mode) -> dict[str, Any]:
    return {
        "slug": mode.slug,
        "name": mode.name,
        "summary": mode.summary,
        "symptoms": list(mode.symptoms),
        "fixes": [{"slug": fix.slug, "text": fix.text} for fix in mode.fixes],
        "retry_rule": _retry_rule(mode.retry),
        "extension": mode.extension,
    }


def _ordered_modes(strict: bool) -> list[catalog.Mode]:
    allowed: Iterable[catalog.ModeSlug] = (
        catalog.SEED_MODES if strict else catalog.PRECEDENCE
    )
    return [catalog.MODES[slug] for slug in catalog.PRECEDENCE if slug in allowed]


def catalog_context(*, strict: bool = False) -> dict[str, Any]:
    """Build the template context from the catalog.

    ``strict`` keeps only the five classic modes, for a model session that must
    not use the extension modes.
    """
    modes = _ordered_modes(strict)
    return {
        "strict": strict,
        "version": __version__,
        "description": SKILL_DESCRIPTION,
        "compatibility": SKILL_COMPATIBILITY,
        "modes": [_mode_context(mode) for mode in modes],
        "precedence": [mode.name for mode in modes],
        "scales": [
            {
                "loss_type": scale.loss_type,
                "label": scale.label,
                "at_chance": scale.at_chance,
                "when_d_wins": scale.when_d_wins,
            }
            for scale in catalog.SCALES.values()
        ],
        "equilibrium_name": catalog.MODES["equilibrium"].name,
        "no_match_name": catalog.MODES["no_match"].name,
        "no_match_items": list(catalog.NO_MATCH_ITEMS),
    }


def render_skill() -> str:
    """Render SKILL.md: frontmatter plus the full teaching, extensions marked."""
    return environment().get_template(SKILL_TEMPLATE).render(catalog_context())


def render_system_prompt(*, strict: bool = False) -> str:
    """Render the API system prompt: the SKILL.md teaching without frontmatter."""
    template = environment().get_template(SYSTEM_TEMPLATE)
    return template.render(catalog_context(strict=strict))


def report_fields(report: Report) -> dict[str, Any]:
    """Collect the report fields the model sees, leaving out unset ones."""
    fields: dict[str, Any] = {}
    for name in REPORT_FIELDS:
        value = getattr(report, name)
        if value is None or value is False or value == "":
            continue
        fields[name] = value
    return fields


def render_user_message(report: Report, tried: Sequence[str] = ()) -> str:
    """Render the user turn: the report as JSON between plain-text markers.

    JSON keeps the report as data: quotes and line breaks inside a field are
    escaped, so a field cannot end the report early or pose as a new field.
    ``tried`` holds fix slugs the user already tried, sent as the fixes' texts.
    """
    fields = report_fields(report)
    if tried:
        fields["fixes_already_tried"] = [_fix_text(slug) for slug in tried]
    report_json = json.dumps(fields, indent=2, ensure_ascii=False)
    template = environment().get_template(USER_TEMPLATE)
    return template.render(report_json=report_json)


def _fix_text(slug: str) -> str:
    for mode in catalog.MODES.values():
        for fix in mode.fixes:
            if fix.slug == slug:
                return fix.text
    return slug


def render_reask(findings: Sequence[FindingText]) -> str:
    """Render the re-ask turn that lists the validator's findings."""
    if not findings:
        raise ValueError("a re-ask needs at least one finding")
    template = environment().get_template(REASK_TEMPLATE)
    return template.render(findings=list(findings))
