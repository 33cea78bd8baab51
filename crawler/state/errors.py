"""What makes a crawl state unusable, and the one path every store's backend errors take.

A store wraps its backend (the SQLite connection, the Redis client) in a `StateGuard`: the
first backend error becomes one `StateError` naming the state and what to do, `on_error` is
called once with it (the crawl stops: `crawler.state.stop_crawl`), and every later call raises
the same error without touching the backend again, except for `record_failure`: the one
write a backend may still make about its failure (SQLite records the run `failed` on a full
disk, in the room its emergency reserve leaves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class StateError(RuntimeError):
    """The crawl state cannot be used: the run must stop (never a page's error)."""


class StateLocked(StateError):
    """Another process holds the state file (a crawl is still running on it)."""


class StateDamaged(StateError):
    """The state file is damaged or unreadable (`sqlite3.DatabaseError`)."""


class StateFull(StateError):
    """The disk under the state file is full."""


class StateGuard:
    """Calls into a backend whose `errors` become the guard's one `StateError`."""

    errors: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        self.on_error: Callable[[StateError], None] | None = None
        self.error: StateError | None = None

    def describe(self, exc: BaseException) -> StateError:
        """The run's one-line problem for a backend error."""
        raise NotImplementedError

    def record_failure(self, error: StateError) -> None:
        """What the backend can still write about its own failure, once, before the run is
        stopped (nothing by default)."""

    def fail(self, exc: BaseException) -> StateError:
        if self.error is None:
            self.error = self.describe(exc)
            self.record_failure(self.error)
            if self.on_error is not None:
                self.on_error(self.error)
        return self.error

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.error is not None:
            raise self.error
        try:
            return function(*args, **kwargs)
        except self.errors as exc:
            raise self.fail(exc) from None


class GuardedStore:
    """`store.on_error`: the callback of the store's guard."""

    guard: StateGuard

    @property
    def on_error(self) -> Callable[[StateError], None] | None:
        return self.guard.on_error

    @on_error.setter
    def on_error(self, callback: Callable[[StateError], None] | None) -> None:
        self.guard.on_error = callback
