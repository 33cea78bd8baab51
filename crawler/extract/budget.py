"""A per-page time budget for extraction.

Patterns are written to be linear, but a page can still be pathological (megabytes of text in
one paragraph). Extraction runs in the main thread in a crawl and in `xinwen extract`, so a
SIGALRM interval timer bounds it; elsewhere (worker threads, platforms without SIGALRM) the
budget is not enforced and extraction simply runs to the end.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from crawler.extract.page import ParseError

DEFAULT_BUDGET_SECONDS = 10.0


class BudgetExceeded(ParseError):
    def __init__(self, seconds: float) -> None:
        super().__init__("time budget exceeded", f"extraction took longer than {seconds:g} s")


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise BudgetExceeded inside the block once `seconds` have passed (0/None: no budget)."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise BudgetExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
