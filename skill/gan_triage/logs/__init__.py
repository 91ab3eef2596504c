"""Training logs in, reports out: CSV/TSV, JSON Lines, TensorBoard and console.

Every reader streams its file into per-epoch sums (``table.EpochTable``), so
memory grows with the number of epochs, not the number of steps. CSV/TSV and
JSON Lines logs are read from their end when that gives the same report
(``tail.py``), so only the epochs reported are summed. The D and G
loss columns are then found by name (``columns``), and the last ``window``
epochs become the report's trend strings (``summary``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..report import Report, build_report
from .columns import ColumnMap, map_columns
from .console import read_console
from .cutoff import delimited_damage, find_cut_line, jsonl_damage
from .delimited import DelimitedReader, read_header
from .detect import detect_format, is_log
from .jsonl import read_jsonl
from .layouts import known_layout
from .summary import DEFAULT_WINDOW, Summary, summarize
from .table import EpochAssigner, EpochTable
from .tail import read_tail
from .tail_jsonl import read_jsonl_tail
from .tensorboard import read_events

__all__ = ["DEFAULT_WINDOW", "fields_from_log", "is_log", "report_from_log"]


def _check_options(path: Path, window: int, steps_per_epoch: int | None) -> None:
    if window < 1:
        raise InputError(f"{path}: window is {window}; expected at least 1 epoch")
    if steps_per_epoch is not None and steps_per_epoch < 1:
        raise InputError(
            f"{path}: steps per epoch is {steps_per_epoch}; expected at least 1"
        )


def _read_delimited(
    path: Path,
    d_col: str | None,
    g_col: str | None,
    window: int,
    steps_per_epoch: int | None,
) -> tuple[EpochTable, ColumnMap, EpochAssigner]:
    """Read a CSV/TSV log, from its end when that gives the same report."""
    header = read_header(path)
    cut = find_cut_line(path, delimited_damage(header))
    end = None if cut is None else cut.start
    columns = map_columns(header.names, str(path), d_col, g_col)
    if cut is not None:
        columns.warnings.insert(0, cut.warning(str(path)))
    tail = read_tail(path, header, columns, window, steps_per_epoch, end)
    if tail is not None:
        return tail[0], columns, tail[1]

    table = EpochTable()
    assigner = EpochAssigner(steps_per_epoch=steps_per_epoch)
    reader = DelimitedReader(path, header, list(columns.chosen.values()), end)
    reader.read(table, assigner)
    return table, columns, assigner


def _read(
    path: Path,
    d_col: str | None,
    g_col: str | None,
    window: int,
    steps_per_epoch: int | None,
) -> tuple[EpochTable, ColumnMap, EpochAssigner]:
    """Stream the log into an EpochTable and choose its D and G columns.

    A CSV/TSV or JSON Lines log is read from its end when that gives the
    same report (``tail.py``, ``tail_jsonl.py``), because only the last
    ``window`` epochs are reported. A last line that a crash cut off is
    skipped with a warning (``cutoff.py``); damage anywhere else is an error.
    """
    if not path.exists():
        raise InputError(f"{path}: file not found")
    log_format = detect_format(path)
    if log_format is None:
        raise InputError(
            f"{path}: not a training log; expected CSV/TSV with a header, JSON "
            "Lines, TensorBoard event files or console output with D and G losses"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the log is empty")
    if log_format == "csv":
        return _read_delimited(path, d_col, g_col, window, steps_per_epoch)

    table = EpochTable()
    assigner = EpochAssigner(steps_per_epoch=steps_per_epoch)
    warnings: list[str] = []
    cut = None
    if log_format == "jsonl":
        cut = find_cut_line(path, jsonl_damage)
        end = None if cut is None else cut.start
        jsonl_tail = read_jsonl_tail(path, window, end)
        if jsonl_tail is None:
            read_jsonl(path, table, assigner, end)
        else:
            table, assigner = jsonl_tail
    elif log_format == "tensorboard":
        read_events(path, table, assigner, warnings)
    else:
        read_console(path, table, assigner)
    if not table.names and not warnings:
        raise InputError(
            f"{path}: no numeric values found; expected {log_format} records with "
            "D and G losses"
        )
    if not table.names:
        raise InputError(warnings[0])
    if cut is not None:
        warnings.insert(0, cut.warning(str(path)))
    columns = map_columns(
        table.names,
        str(path),
        d_col,
        g_col,
        index_names=table.index_names,
        text_names=table.text_names,
        layout=known_layout(table.names) if log_format == "console" else None,
    )
    columns.warnings[:0] = warnings
    return table, columns, assigner


def fields_from_log(
    path: Path,
    *,
    samples: str = "",
    d_col: str | None = None,
    g_col: str | None = None,
    window: int = DEFAULT_WINDOW,
    steps_per_epoch: int | None = None,
    loss_type: str | None = None,
    g_objective: str | None = None,
) -> Summary:
    """Read a log and return the report fields ``build_report`` accepts."""
    _check_options(path, window, steps_per_epoch)
    table, columns, assigner = _read(path, d_col, g_col, window, steps_per_epoch)
    origin = str(path)
    summary = summarize(table, columns, window, origin)
    if assigner.used_record_as_epoch:
        summary.warnings.insert(
            0,
            f"{origin}: no epoch column or tag, so each step (or each record, when "
            "no step is logged) counts as one epoch; pass --steps-per-epoch N to "
            "group steps into epochs",
        )
    fields: dict[str, Any] = {
        "d_loss_trend": summary.fields.pop("d_loss_trend"),
        "g_loss_trend": summary.fields.pop("g_loss_trend"),
        "sample_notes": samples,
    }
    if loss_type:
        fields["loss_type"] = loss_type
    if g_objective:
        fields["g_objective"] = g_objective
    fields.update(summary.fields)
    summary.fields = fields
    return summary


def report_from_log(
    path: Path,
    *,
    samples: str = "",
    d_col: str | None = None,
    g_col: str | None = None,
    window: int = DEFAULT_WINDOW,
    steps_per_epoch: int | None = None,
    loss_type: str | None = None,
    g_objective: str | None = None,
) -> Report:
    """Read a training log and build a Report from its last ``window`` epochs.

    Raises InputError, naming the file, when the log cannot be read or has no
    D or G loss column.
    """
    summary = fields_from_log(
        path,
        samples=samples,
        d_col=d_col,
        g_col=g_col,
        window=window,
        steps_per_epoch=steps_per_epoch,
        loss_type=loss_type,
        g_objective=g_objective,
    )
    report = build_report(summary.fields, origin=str(path))
    report.warnings[:0] = summary.warnings
    return report
