"""A one-line progress bar for management commands (the CLI face of long work)."""

import sys
from types import TracebackType
from typing import Any, TextIO


class ProgressLine:
    def __init__(self, stream: Any = None, label: str = "", width: int = 30) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.label = label
        self.width = width

    def update(self, done: int, total: int, detail: str = "") -> None:
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {share:6.1%} {done}/{total} {detail}".ljust(90))
        self.stream.flush()

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stream.write("\n")
        self.stream.flush()
