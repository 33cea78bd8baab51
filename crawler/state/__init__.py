"""Crawl-state stores: what earlier runs already have, so that a run adds only what is new.

Two stores with the same methods: `StateStore` (SQLite, one file, the default) and
`RedisStateStore` (shared by the workers of a distributed crawl). `crawl_state(crawler)` picks
one from the settings and hands every component of a crawl the same instance.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.state.errors import StateDamaged, StateError, StateFull, StateLocked
from crawler.state.redis_store import RedisStateStore
from crawler.state.simhash import body_simhash
from crawler.state.sqlite_store import MEMORY, StateStore, default_state_path

__all__ = [
    "FATAL_STAT",
    "MEMORY",
    "RedisStateStore",
    "StateDamaged",
    "StateError",
    "StateFull",
    "StateLocked",
    "StateStore",
    "body_simhash",
    "crawl_state",
    "default_state_path",
    "stop_crawl",
    "store_per_crawl",
]

logger = logging.getLogger(__name__)

# The one-line cause of a crawl stopped by a fault (the state or an output unusable).
FATAL_STAT = "xinwen/fatal"


def stop_crawl(crawler: Any, reason: str, message: str) -> None:
    """Stop the crawl at once for a fault that no page caused (a damaged state, a full disk):
    the first cause is kept in the stats as the run's one-line problem and logged."""
    stats = getattr(crawler, "stats", None)
    if stats is None or stats.get_value(FATAL_STAT) is not None:
        return
    stats.set_value(FATAL_STAT, message)
    logger.error("%s", message)
    engine = getattr(crawler, "engine", None)
    slot = getattr(engine, "_slot", None)
    if engine is None or engine.spider is None or slot is None or slot.closing is not None:
        return
    deferred_from_coro(engine.close_spider_async(reason=reason))


_CRAWL_STATES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def store_per_crawl(crawler: Any, open_store: Any) -> Any:
    """The crawl's one store, made by `open_store()` on first use and closed when the engine
    stops (a crawler without signals, as in unit tests, keeps it until it is collected)."""
    store = _CRAWL_STATES.get(crawler)
    if store is None:
        store = _CRAWL_STATES[crawler] = open_store()
        if getattr(crawler, "signals", None) is not None:

            def close() -> None:
                if _CRAWL_STATES.get(crawler) is store:
                    del _CRAWL_STATES[crawler]
                store.close()

            crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
        if hasattr(store, "on_error"):
            store.on_error = lambda exc: stop_crawl(crawler, "state error", str(exc))
    return store


def crawl_state(crawler: Any) -> StateStore | RedisStateStore:
    """The crawl's shared `StateStore`, opened on first use from the settings
    `XINWEN_STATE_PATH` (unset: an in-memory store, this crawl only) and
    `XINWEN_NEAR_DUPLICATE_DISTANCE`; closed when the engine stops. A state file is locked
    against a second crawl (`StateLocked`) and keeps its emergency reserve (`StateFull` when the
    disk has no room for it)."""
    if crawler.settings.get("XINWEN_REDIS_URL"):  # a distributed crawl: the state is in Redis
        return store_per_crawl(crawler, lambda: RedisStateStore.from_crawler(crawler))

    def open_store() -> StateStore:
        settings = crawler.settings
        path = settings.get("XINWEN_STATE_PATH") or MEMORY
        distance = settings.getint("XINWEN_NEAR_DUPLICATE_DISTANCE", 3)
        on_disk = str(path) != MEMORY
        return StateStore(path, near_distance=distance, lock=on_disk, reserve=on_disk)

    return store_per_crawl(crawler, open_store)
