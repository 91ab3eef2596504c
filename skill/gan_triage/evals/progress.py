"""A plain-text progress bar on stderr, redrawn in place with carriage returns."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    """Count finished cases; draws only when ``enabled``.

    The default is to draw when the stream is a terminal, so logs and pipes
    get no carriage-return noise; ``force`` overrides that either way.
    """

    def __init__(
        self, total: int, stream: TextIO | None = None, force: bool | None = None
    ) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = bool(isatty()) if force is None else force

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (WIDTH - filled)
        line = f"\r[{bar}] {self.done}/{self.total} {label}"
        self.stream.write(line[:100].ljust(100))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
