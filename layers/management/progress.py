"""A progress bar for management commands (a terminal line rewritten in place)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, stream=None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.began = time.monotonic()

    def __call__(self, done: int, total: int | None, message: str = "") -> None:
        fraction = (done / total) if total else 0.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        seconds = time.monotonic() - self.began
        self.stream.write(f"\r[{bar}] {fraction:4.0%} {seconds:6.1f} s  {message[:60]:<60}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
