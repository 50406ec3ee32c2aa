"""Progress of long work on stderr: count, rate and ETA, silent when the work is short.

On a terminal the line is rewritten in place at most once a second; into a file or a pipe (a log, cron,
CI) a whole line is written every ten seconds instead, so logs stay readable. Nothing is shown before the
first interval has passed: work that takes less prints nothing.
"""
from __future__ import annotations

import sys
import time


def _seconds(s: float) -> str:
    s = int(round(s))
    if s < 100:
        return f"{s}s"
    if s < 6000:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    def __init__(self, what: str, total: int | None, log=None, min_total: int = 20000, every: float = 1.0,
                 unit: str = "", stream=None, plain_every: float = 10.0):
        self.what = what
        self.total = total
        self.unit = f" {unit}" if unit else ""
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.last = self.start
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every if self.tty else max(every, plain_every)
        self.active = total is None or total >= min_total
        self.shown = False
        self.detail = ""
        self.count = 0

    def tick(self, done: int, detail: str = "") -> None:
        """``done`` units so far; ``detail`` is shown after the count (e.g. the rows they cover)."""
        self.count, self.detail = done, detail
        if not self.active:
            return
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        self._show(done, now)

    def line(self, done: int, now: float | None = None) -> str:
        """The progress line: what, count (of total, percent), detail, rate and ETA."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        parts = [f"{self.what}: {done:,}"]
        if self.total:
            parts[0] += f"/{self.total:,}{self.unit} ({100 * done / self.total:.1f}%)"
        else:
            parts[0] += self.unit
        if self.detail:
            parts.append(self.detail)
        parts.append(f"{rate:,.0f}{self.unit}/s")
        if self.total:
            left = self.total - done
            parts.append("ETA " + (_seconds(left / rate) if rate > 0 else "?") if left > 0
                         else f"in {_seconds(elapsed)}")
        return ", ".join(parts)

    def _show(self, done: int, now: float) -> None:
        text = self.line(done, now)
        if self.tty:
            self.stream.write("\r" + text + " \033[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True

    def done(self, done: int | None = None, detail: str | None = None) -> None:
        """The last line, when a line was shown at all (short work stays silent)."""
        if not self.shown:
            return
        if detail is not None:
            self.detail = detail
        self._show(self.count if done is None else done, time.monotonic())
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
