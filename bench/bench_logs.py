"""Time gan-triage's log readers against tbparse and pandas on the same files.

Builds its inputs, then measures:

1. a TensorBoard event file of 1,000,000 scalars (500,000 steps, one D and one
   G loss each, one event per scalar as ``torch.utils.tensorboard`` writes
   them), written with tensorboard's own ``RecordWriter`` and ``Event``
   protobufs: ``fields_from_log`` (read, group into epochs of 500 steps,
   summarize) against ``tbparse.SummaryReader(path).scalars`` (read only);
2. a CSV of 1,000,000 rows (epoch, step, D loss, G loss, D(x), D(G(z))):
   ``fields_from_log`` against ``pandas.read_csv`` (read only), and the
   forward reader alone (the tail reader switched off), which reads every
   row;
3. the same CSV without the epoch and step columns, read with
   ``steps_per_epoch=1000``: each row's epoch then comes from its position,
   so the tail reader counts the rows of the whole file first.

Each timing is the best of ``--repeat`` runs (tbparse: of ``--tbparse-repeat``,
because one run takes many seconds), with the two readers taking turns. The
inputs are written once into ``--workdir`` and reused when present. Needs the
``bench`` extra: ``pip install -e '.[bench]'``.

Usage: python bench/bench_logs.py [--workdir DIR] [--repeat 5] [--tbparse-repeat 1]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import gan_triage.logs as logs
from gan_triage.logs import fields_from_log

STEPS = 500_000
CSV_ROWS = 1_000_000
STEPS_PER_EPOCH = 500


def build_events(path: Path) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    rng = random.Random(0)
    with path.open("wb") as stream:
        writer = RecordWriter(stream)
        version = event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        writer.write(version.SerializeToString())
        for step in range(STEPS):
            d_loss = 1.386 * math.exp(-step / 100_000) + rng.random() * 0.01
            g_loss = 0.693 + step / 100_000 + rng.random() * 0.01
            for tag, value in (("Loss/D", d_loss), ("Loss/G", g_loss)):
                summary = summary_pb2.Summary(
                    value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]
                )
                event = event_pb2.Event(wall_time=1.7e9, step=step, summary=summary)
                writer.write(event.SerializeToString())


def build_csv(path: Path) -> None:
    rng = random.Random(0)
    with path.open("w") as stream:
        stream.write("epoch,step,d_loss,g_loss,d_x,d_g_z\n")
        lines = []
        for step in range(CSV_ROWS):
            epoch = step // 1000
            lines.append(
                f"{epoch},{step},{1.386 - step / 2e6 + rng.random() * 0.01:.6f},"
                f"{0.693 + step / 1e6:.6f},{0.5 + rng.random() * 0.1:.6f},"
                f"{0.5 - rng.random() * 0.1:.6f}\n"
            )
            if len(lines) == 10_000:
                stream.write("".join(lines))
                lines.clear()
        stream.write("".join(lines))


def build_csv_without_epochs(source: Path, path: Path) -> None:
    """Copy the CSV without its epoch and step columns."""
    with source.open() as rows, path.open("w") as stream:
        for line in rows:
            stream.write(line.split(",", 2)[2])


def forward_fields(path: Path) -> object:
    """Read ``path`` with the forward reader only, as before the tail reader."""
    with mock.patch.object(logs, "read_tail", return_value=None):
        return logs.fields_from_log(path)


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def best_of_pairs(
    repeat: int, ours: Callable[[], object], theirs: Callable[[], object]
) -> tuple[float, float]:
    """Time both readers in turn, ``repeat`` times, and keep each one's best.

    Taking turns exposes both to the same background load on a shared machine.
    """
    ours_times = []
    theirs_times = []
    for _ in range(repeat):
        ours_times.append(seconds(ours))
        theirs_times.append(seconds(theirs))
    return min(ours_times), min(theirs_times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="where to write the inputs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tbparse-repeat", type=int, default=1)
    args = parser.parse_args()

    import pandas
    import tbparse

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gan-triage-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    events = workdir / "events.out.tfevents.1700000000.bench"
    table = workdir / "metrics.csv"
    no_epochs = workdir / "metrics_no_epoch.csv"
    if not events.exists():
        start = time.perf_counter()
        build_events(events)
        print(f"wrote {events} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if not table.exists():
        build_csv(table)
    if not no_epochs.exists():
        build_csv_without_epochs(table, no_epochs)

    load_before = os.getloadavg()[0]
    ours_tb, theirs_tb = best_of_pairs(
        args.tbparse_repeat,
        lambda: fields_from_log(events, steps_per_epoch=STEPS_PER_EPOCH),
        lambda: tbparse.SummaryReader(str(events)).scalars,
    )
    ours_tb = min(
        ours_tb,
        *(
            seconds(lambda: fields_from_log(events, steps_per_epoch=STEPS_PER_EPOCH))
            for _ in range(args.repeat - 1)
        ),
    )
    ours_csv, theirs_csv = best_of_pairs(
        args.repeat, lambda: fields_from_log(table), lambda: pandas.read_csv(table)
    )
    forward_csv = min(seconds(lambda: forward_fields(table)) for _ in range(3))
    ours_rows, theirs_rows = best_of_pairs(
        args.repeat,
        lambda: fields_from_log(no_epochs, steps_per_epoch=1000),
        lambda: pandas.read_csv(no_epochs),
    )
    load_after = os.getloadavg()[0]

    scalars = len(tbparse.SummaryReader(str(events)).scalars)
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.machine()}"
    )
    print(f"versions: tbparse {tbparse.__version__}, pandas {pandas.__version__}")
    print(f"1-minute load average: {load_before:.1f} before, {load_after:.1f} after")
    print(f"event file: {events.stat().st_size / 1e6:.1f} MB, {scalars} scalars")
    print(
        f"  gan-triage {ours_tb:.2f} s, tbparse {theirs_tb:.2f} s, "
        f"ratio {theirs_tb / ours_tb:.1f}x"
    )
    print(f"csv: {table.stat().st_size / 1e6:.1f} MB, {CSV_ROWS} rows")
    print(
        f"  gan-triage {ours_csv * 1000:.1f} ms, pandas {theirs_csv * 1000:.1f} ms, "
        f"ratio {theirs_csv / ours_csv:.1f}x; forward reader alone "
        f"{forward_csv:.2f} s"
    )
    print(
        f"csv without epoch and step columns: {no_epochs.stat().st_size / 1e6:.1f} "
        f"MB, steps_per_epoch=1000"
    )
    print(
        f"  gan-triage {ours_rows * 1000:.1f} ms, pandas {theirs_rows * 1000:.1f} "
        f"ms, ratio {theirs_rows / ours_rows:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
