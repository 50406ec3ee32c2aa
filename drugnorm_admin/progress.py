"""Progress of long work on stderr: count, rate and ETA, at most a few lines a second, silent when short."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, what: str, total: int | None, log=None, min_total: int = 20000, every: float = 1.0):
        self.what = what
        self.total = total
        self.start = time.monotonic()
        self.last = self.start
        self.every = every
        self.active = total is None or total >= min_total
        self.shown = False

    def tick(self, done: int) -> None:
        if not self.active:
            return
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        self._show(done, now)

    def _show(self, done: int, now: float) -> None:
        rate = done / max(now - self.start, 1e-9)
        if self.total:
            eta = (self.total - done) / rate if rate > 0 else 0
            msg = f"\r{self.what}: {done:,}/{self.total:,} ({100 * done / self.total:5.1f}%) " \
                  f"{rate:,.0f}/s, ETA {eta:,.0f}s "
        else:
            msg = f"\r{self.what}: {done:,} {rate:,.0f}/s "
        sys.stderr.write(msg)
        sys.stderr.flush()
        self.shown = True

    def done(self, done: int | None = None) -> None:
        if self.shown:
            now = time.monotonic()
            self._show(done if done is not None else (self.total or 0), now)
            sys.stderr.write("\n")
            sys.stderr.flush()
