"""Find the D loss, G loss and D output columns of a log by their usual names.

Loggers spell the same quantity many ways (``errD`` in the PyTorch DCGAN
tutorial, ``Loss/D`` in TensorBoard tags, ``train/d_loss`` in W&B, ``d_loss`` in
Keras examples). A name is first reduced to a canonical form (lowercase, runs
of other characters turned into ``_``, a ``train_`` prefix dropped), then looked
up in the alias tables below, in order of preference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from ..errors import InputError

if TYPE_CHECKING:
    from .layouts import Layout

Role = Literal["d", "g", "d_x", "d_g_z", "acc_real", "acc_fake", "acc"]

ROLES: tuple[Role, ...] = ("d", "g", "d_x", "d_g_z", "acc_real", "acc_fake", "acc")

# Canonical names for each role, most specific first.
ALIASES: dict[Role, tuple[str, ...]] = {
    "d": (
        "d_loss",
        "loss_d",
        "errd",
        "err_d",
        "disc_loss",
        "loss_disc",
        "dis_loss",
        "loss_dis",
        "discriminator_loss",
        "loss_discriminator",
        "critic_loss",
        "loss_critic",
        "d_total_loss",
        "dloss",
        "lossd",
    ),
    "g": (
        "g_loss",
        "loss_g",
        "errg",
        "err_g",
        "gen_loss",
        "loss_gen",
        "generator_loss",
        "loss_generator",
        "g_total_loss",
        "gloss",
        "lossg",
    ),
    "d_x": (
        "d_x",
        "dx",
        "d_real",
        "d_real_mean",
        "d_x_mean",
        "d_out_real",
        "real_score",
        "score_real",
        "d_real_prob",
    ),
    "d_g_z": (
        "d_g_z",
        "dgz",
        "d_fake",
        "d_fake_mean",
        "d_g_z_mean",
        "d_g_z1",
        "d_out_fake",
        "fake_score",
        "score_fake",
        "d_fake_prob",
    ),
    "acc_real": (
        "d_acc_real",
        "d_accuracy_real",
        "d_accuracy_on_real",
        "d_real_acc",
        "d_real_accuracy",
        "acc_real",
        "real_acc",
        "accuracy_real",
        "real_accuracy",
    ),
    "acc_fake": (
        "d_acc_fake",
        "d_accuracy_fake",
        "d_accuracy_on_fake",
        "d_fake_acc",
        "d_fake_accuracy",
        "acc_fake",
        "fake_acc",
        "accuracy_fake",
        "fake_accuracy",
    ),
    # D's accuracy on real and fake images together, as Keras GAN examples
    # log it; "acc" alone is left out because classifiers log it too.
    "acc": (
        "d_acc",
        "d_accuracy",
        "disc_acc",
        "disc_accuracy",
        "discriminator_acc",
        "discriminator_accuracy",
    ),
}

EPOCH_NAMES = frozenset({"epoch", "epochs", "epoch_idx", "epoch_index"})
STEP_NAMES = frozenset(
    {"step", "global_step", "iteration", "iter", "it", "batch", "trainer_global_step"}
)

# PyTorch Lightning logs a metric both per step and per epoch as
# ``name_step`` and ``name_epoch`` when asked for both; the epoch form is
# preferred because it is already a mean over the epoch.
SUFFIXES = ("", "_epoch", "_step", "_mean")
PREFIXES = ("train_", "training_", "trn_")

OPTION_FOR_ROLE: dict[Role, str] = {"d": "--d-col", "g": "--g-col"}


@lru_cache(maxsize=4096)
def canonical(name: str) -> str:
    """Reduce a column name to the form the alias tables use.

    A W&B CSV export names columns ``"<run> - <metric>"``, so only the part
    after the last `` - `` counts.
    """
    if " - " in name:
        name = name.rsplit(" - ", 1)[1]
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def is_epoch_name(name: str) -> bool:
    return canonical(name) in EPOCH_NAMES


def is_step_name(name: str) -> bool:
    return canonical(name) in STEP_NAMES


def is_summary_column(name: str) -> bool:
    """W&B exports add ``<metric>__MIN`` and ``__MAX`` columns beside each metric."""
    return name.endswith(("__MIN", "__MAX"))


def role_of(name: str) -> Role | None:
    """Return the role a column name fits best, or None."""
    ranked = [(rank, role) for role in ROLES if (rank := _rank(name, role)) is not None]
    return min(ranked)[1] if ranked else None


@dataclass
class ColumnMap:
    """The column chosen for each role, plus notes on how the choice was made."""

    chosen: dict[Role, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _rank(name: str, role: Role) -> int | None:
    """Rank a column for a role: lower is a better match, None is no match."""
    text = canonical(name)
    aliases = ALIASES[role]
    for suffix_rank, suffix in enumerate(SUFFIXES):
        if suffix and not text.endswith(suffix):
            continue
        stem = text[: len(text) - len(suffix)] if suffix else text
        if stem in aliases:
            return suffix_rank * len(aliases) + aliases.index(stem)
    return None


def _find(names: Iterable[str], wanted: str) -> str | None:
    """Return the name ``wanted`` refers to: itself, else one of its spellings."""
    names = list(names)
    if wanted in names:
        return wanted
    key = canonical(wanted)
    return next((name for name in names if canonical(name) == key), None)


def _is_loss_like(name: str) -> bool:
    return role_of(name) in ("d", "g") or "loss" in canonical(name)


def _columns_hint(candidates: list[str]) -> str:
    """List the loss-like columns, or every column when none looks like a loss."""
    losses = [name for name in candidates if _is_loss_like(name)]
    if losses:
        return f"loss-like columns found: {', '.join(losses)}"
    return (
        f"no loss-like columns found; columns found: {', '.join(candidates) or 'none'}"
    )


@dataclass(frozen=True)
class _Names:
    """The names of one log, sorted by what they can be used for."""

    # Names that may hold a loss, in the log's order.
    candidates: list[str]
    # Epoch and step names: they number the records.
    counters: list[str]
    # Names seen only with text, true/false or null values.
    texts: list[str]


def _override(names: _Names, wanted: str, option: str, origin: str) -> str:
    """Return the column an override names, or raise saying why it cannot be used."""
    found = _find(names.candidates, wanted)
    if found is not None:
        return found
    hint = _columns_hint(names.candidates)
    counter = _find(names.counters, wanted)
    if counter is not None:
        kind = "epoch" if is_epoch_name(counter) else "step"
        raise InputError(
            f"{origin}: {option} {wanted!r} is the log's {kind} counter, not a "
            f"loss; {hint}"
        )
    if _find(names.texts, wanted) is not None:
        raise InputError(
            f"{origin}: {option} {wanted!r} has no numeric values in this log "
            f"(only text, true/false or null); {hint}"
        )
    raise InputError(
        f"{origin}: {option} {wanted!r} is not a column of this log; {hint}"
    )


def _check_distinct(
    chosen: dict[Role, str],
    overrides: dict[Role, str | None],
    origin: str,
    hint: str,
) -> None:
    """Raise InputError when D and G would be read from the same column."""
    column = chosen.get("d")
    if column is None or column != chosen.get("g"):
        return
    if overrides["d"] and overrides["g"]:
        raise InputError(
            f"{origin}: --d-col and --g-col both name the column {column!r}, but D "
            f"and G each need their own loss column; {hint}"
        )
    # Alias tables do not overlap, so one of the two came from an override.
    named: Role = "d" if overrides["d"] else "g"
    other: Role = "g" if named == "d" else "d"
    raise InputError(
        f"{origin}: {OPTION_FOR_ROLE[named]} {overrides[named]!r} is also the "
        f"column found for {other.upper()}; name {other.upper()}'s loss column "
        f"with {OPTION_FOR_ROLE[other]}; {hint}"
    )


def _sort_names(
    names: Iterable[str], index_names: Iterable[str], text_names: Iterable[str]
) -> _Names:
    everything = list(dict.fromkeys([*names, *index_names]))
    counters = [
        name for name in everything if is_epoch_name(name) or is_step_name(name)
    ]
    candidates = [
        name
        for name in everything
        if name not in counters and not is_summary_column(name)
    ]
    return _Names(candidates, counters, list(text_names))


def map_columns(
    names: Iterable[str],
    origin: str,
    d_col: str | None = None,
    g_col: str | None = None,
    *,
    index_names: Iterable[str] = (),
    text_names: Iterable[str] = (),
    layout: Layout | None = None,
) -> ColumnMap:
    """Choose the column for each role among ``names`` (in the log's order).

    ``index_names`` are names a reader took as epoch or step, and
    ``text_names`` are names seen with no numeric value. Neither can be a
    loss, so both serve only the error messages. A ``layout`` gives the
    columns of roles that no override names, and the names no role may take.
    Raises InputError, listing the columns found, when no D or G loss column
    is found, when an override names a column that is missing or is no loss,
    or when D and G would share a column.
    """
    sorted_names = _sort_names(names, index_names, text_names)
    candidates = sorted_names.candidates
    result = ColumnMap()
    overrides: dict[Role, str | None] = {"d": d_col, "g": g_col}
    ignored = layout.ignored if layout else frozenset()
    for role in ROLES:
        wanted = overrides.get(role)
        if wanted:
            option = OPTION_FOR_ROLE[role]
            result.chosen[role] = _override(sorted_names, wanted, option, origin)
            continue
        if layout and role in layout.chosen:
            result.chosen[role] = layout.chosen[role]
            continue
        ranked = sorted(
            (rank, position, name)
            for position, name in enumerate(candidates)
            if name not in ignored and (rank := _rank(name, role)) is not None
        )
        if not ranked:
            continue
        result.chosen[role] = ranked[0][2]
        if len(ranked) > 1:
            others = ", ".join(name for _, _, name in ranked[1:])
            result.warnings.append(
                f"{origin}: several columns fit the {role} role; used "
                f"{ranked[0][2]!r}, not {others}"
            )

    if "d" not in result.chosen and "g" not in result.chosen:
        raise InputError(
            f"{origin}: no D or G loss column found; columns found: "
            f"{', '.join(candidates) or 'none'}; name them with --d-col and --g-col"
        )
    _check_distinct(result.chosen, overrides, origin, _columns_hint(candidates))
    if layout and any(not overrides.get(role) for role in layout.chosen):
        result.warnings.insert(0, f"{origin}: {layout.note}")
    return result
