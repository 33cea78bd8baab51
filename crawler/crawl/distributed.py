"""Distributed crawls on Redis (`xinwen crawl SITE --redis redis://HOST:PORT/DB`).

Built on scrapy-redis: its `Scheduler` (the request queue in Redis, shared by every worker),
its `PriorityQueue` encoding and its `RFPDupeFilter` (the request fingerprints, shared). On top:

- **A reliable queue** (`ReliablePriorityQueue`). Plain scrapy-redis pops a request
  destructively, so a killed worker loses what it held. Here one Lua script moves the request
  from the queue into the worker's *processing* sorted set (`<ns>:processing:<worker>`), and it
  leaves that set only when the request is done: its callback or errback ran and everything it
  produced was handled — its items durably written and marked (or dropped), its new requests in
  the Redis queue. A request that the downloader turns into another (a redirect, a retry) is
  replaced by it in one step. Each worker keeps a heartbeat key with a TTL
  (`XINWEN_REDIS_HEARTBEAT_SECONDS`); the *reaper*, run by every worker, gives the processing set
  of a worker whose heartbeat expired back to the queue and releases that worker's unwritten
  article claims in the Redis state (`crawler.state.redis_store`).
- **Atomic "seen and queued"**: a new request's fingerprint enters the dupefilter and the request
  enters the queue in one script, so a kill can never leave a URL "seen" but unqueued.
- **Seeding once** (`SeedOnceMiddleware`): the first worker to set `<ns>:seeded` (`SET NX`) feeds
  the spider's start pages to the queue; the others run their spider's `start()` for its side
  effects only. A seeder that dies before it finished is replaced by the next worker to start.
- **Idle exit**: a worker closes once the queue is empty and no worker holds a request in
  processing, continuously for `XINWEN_REDIS_IDLE_SECONDS`. A worker that joined a crawl the
  others had already completed (it seeded nothing and was given nothing) says so and succeeds. The last one out clears the seed
  marker and the dupefilter, so the next crawl (say, the next hour's) starts from the start
  pages again, while the incremental state stays.

Namespace: `XINWEN_REDIS_KEY` (default `xinwen:%(spider)s`) for the queue, dupefilter, seed
marker and workers; the article state under `XINWEN_REDIS_STATE_PREFIX` (`xinwen:state`).
`RedisAddon` (in `ADDONS`) switches all of this on when `XINWEN_REDIS_URL` is set, so
`scrapy crawl hnr -s XINWEN_REDIS_URL=redis://…` works too.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning

# scrapy-redis 0.9.1 predates Scrapy 2.13's deprecations (`stats.inc_value(..., spider=...)`,
# `start_requests`): the classes below override the methods that trigger them, and this filter
# keeps any that remain out of users' logs. It matches warnings attributed to scrapy_redis's own
# modules only, so deprecations raised by xinwen's code (and pytest's `error` filter) stay.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis(\..*)?$")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"scrapy_redis(\..*)?$")

from scrapy_redis.queue import PriorityQueue  # noqa: E402
from scrapy_redis.scheduler import Scheduler  # noqa: E402

from crawler.state import StateError, crawl_state  # noqa: E402
from crawler.state.redis_store import (  # noqa: E402
    DEFAULT_NAMESPACE,
    namespace,
    redis_server,
    worker_id,
)

logger = logging.getLogger(__name__)

TOKEN = "xinwen_redis_token"
# Set by a worker that found the distributed crawl complete (crawler/crawl/extensions.py).
CRAWL_COMPLETE_STAT = "xinwen/redis/joined_complete_crawl"

# KEYS: queue, processing. Returns the request moved into processing, or nil.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('ZADD', KEYS[2], r[2], r[1])
return r[1]
"""

# KEYS: dupefilter, queue, processing. ARGV: fingerprint ('' = do not filter), request, score,
# the in-flight request it replaces ('' = none). Returns 1 when queued, 0 when seen before.
_PUSH = """
local queued = 0
if ARGV[1] == '' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  queued = 1
end
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return queued
"""

# KEYS: queue, processing. Moves every request of a processing set back to the queue.
_REQUEUE = """
local n = redis.call('ZCARD', KEYS[2])
if n > 0 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[2])
end
return n
"""

# KEYS: seed marker. ARGV: this worker, heartbeat key prefix. 1: seed; 0: seeded by another.
_SEED = """
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'seeding ' .. ARGV[1])
  return 1
end
local owner = string.match(v, '^seeding (.+)$')
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. owner) == 0 then
  redis.call('SET', KEYS[1], 'seeding ' .. ARGV[1])
  return 2
end
return 0
"""


def uses_redis(settings: Any) -> bool:
    return bool(settings.get("XINWEN_REDIS_URL"))


class RedisAddon:
    """Scrapy add-on (`ADDONS`): with `XINWEN_REDIS_URL` set, the crawl uses the distributed
    scheduler, the shared dupefilter and the Redis state. Without it, nothing changes."""

    def update_settings(self, settings: Any) -> None:
        url = settings.get("XINWEN_REDIS_URL")
        if not url:
            return
        for name, value in {
            "SCHEDULER": "crawler.crawl.distributed.DistributedScheduler",
            "SCHEDULER_QUEUE_CLASS": "crawler.crawl.distributed.ReliablePriorityQueue",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_KEY": f"{settings.get('XINWEN_REDIS_KEY') or DEFAULT_NAMESPACE}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{settings.get('XINWEN_REDIS_KEY') or DEFAULT_NAMESPACE}:dupefilter",
            "SCHEDULER_PERSIST": True,  # several workers: no worker flushes the shared queue
            "REDIS_URL": url,
        }.items():
            settings.set(name, value, priority="addon")


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue (a sorted set, score = -priority) with a per-worker
    processing set: `pop` moves, `ack` removes, `requeue` gives back."""

    processing_key: str = ""
    dupefilter_key: str = ""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._requeue = server.register_script(_REQUEUE)

    def encode(self, request: Any) -> bytes:
        meta = request.meta
        token = meta.pop(TOKEN, None)
        try:
            return self._encode_request(request)
        finally:
            if token is not None:
                meta[TOKEN] = token

    def push(self, request: Any, fingerprint: str = "", replaces: bytes | None = None) -> bool:
        data = self.encode(request)
        keys = [self.dupefilter_key, self.key, self.processing_key]
        args = [fingerprint, data, -request.priority, replaces or ""]
        return bool(self._push(keys=keys, args=args))

    def pop(self, timeout: int = 0) -> Any:
        data = self._pop(keys=[self.key, self.processing_key])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[TOKEN] = hashlib.sha1(data).hexdigest()
        return request, data

    def ack(self, *data: bytes) -> None:
        if data:
            self.server.zrem(self.processing_key, *data)

    def requeue(self, processing_key: str) -> int:
        return int(self._requeue(keys=[self.key, processing_key]))


def _unless_redis_failed(default: Any) -> Any:
    """Once Redis failed, the crawl is stopping (the guard of the Redis state called
    `stop_crawl` with the one-line cause): the scheduler's calls give `default` instead of
    raising into the engine again and again."""

    def decorate(method: Any) -> Any:
        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except StateError:
                return default

        return guarded

    return decorate


class DistributedScheduler(Scheduler):
    """scrapy-redis's scheduler with the reliable queue, heartbeats, the reaper, and idle exit
    across workers. See the module docstring."""

    crawler: Any
    queue: ReliablePriorityQueue

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedScheduler:
        settings = crawler.settings
        if not uses_redis(settings):
            raise NotConfigured("DistributedScheduler needs XINWEN_REDIS_URL")
        instance = cls.from_settings(settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.worker = worker_id(crawler)
        instance.ns = namespace(settings, crawler.spidercls.name)
        instance.heartbeat_seconds = max(settings.getfloat("XINWEN_REDIS_HEARTBEAT_SECONDS", 30), 1)
        instance.idle_seconds = settings.getfloat("XINWEN_REDIS_IDLE_SECONDS", 30)
        instance.prefetch = max(settings.getint("XINWEN_REDIS_PREFETCH", 4), 1)
        instance._inflight = {}  # token -> encoded request, popped by this worker, not acked
        instance._scraping = set()  # tokens whose response/failure is with the spider
        instance._idle_since = None
        instance._loops = []
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # -- keys ----------------------------------------------------------------------------------
    def key(self, *parts: str) -> str:
        return ":".join([self.ns, *parts])

    def heartbeat_key(self, worker: str) -> str:
        return self.key("worker", worker)

    def processing_key(self, worker: str) -> str:
        return self.key("processing", worker)

    # -- life cycle ----------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        # The queue, the dupefilter and the heartbeats fail the run as the state does.
        guard = crawl_state(self.crawler).guard
        self.server = guard.wrap(self.server)
        super().open(spider)
        self.df.server = guard.wrap(self.df.server)
        self.queue.processing_key = self.processing_key(self.worker)
        self.queue.dupefilter_key = self.df.key
        self._beat(register=True)
        self.reap()
        self._wrap_scraper()
        from twisted.internet import task

        for interval, function in (
            (self.heartbeat_seconds / 3, self._tick),
            (0.5, self._poke),
        ):
            loop = task.LoopingCall(function)
            loop.start(interval, now=False)
            self._loops.append(loop)
        logger.info(
            "distributed crawl %s: worker %s (%d requests queued, %d workers)",
            self.ns,
            self.worker,
            len(self.queue),
            self.server.hlen(self.key("workers")),
        )

    @_unless_redis_failed(None)
    def close(self, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops.clear()
        if reason == "finished":
            # The engine was idle: every request this worker popped has been handled.
            self._ack_all()
        requeued = self.queue.requeue(self.processing_key(self.worker))
        if requeued:
            self.stats.inc_value("xinwen/redis/requeued_on_close", requeued)
            logger.info("gave %d unfinished requests back to the queue", requeued)
        state = self._state()
        if state is not None:
            state.release_worker(self.worker)
        pipe = self.server.pipeline()
        pipe.delete(self.heartbeat_key(self.worker))
        pipe.hdel(self.key("workers"), self.worker)
        pipe.execute()
        if reason == "finished" and self._crawl_quiet():
            self._finish_crawl()

    # -- requests ------------------------------------------------------------------------------
    @_unless_redis_failed(False)
    def enqueue_request(self, request: Any) -> bool:
        token = request.meta.pop(TOKEN, None)
        replaces = None
        if token is not None and token in self._inflight and token not in self._scraping:
            # the downloader answered an in-flight request with another (redirect, retry)
            replaces = self._inflight.pop(token)
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        queued = self.queue.push(request, fingerprint, replaces)
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    @_unless_redis_failed(None)
    def next_request(self) -> Any:
        if len(self._inflight) >= self.prefetch:
            return None  # leave the rest of the queue to the other workers
        popped = self.queue.pop()
        if popped is None:
            return None
        request, data = popped
        self._inflight[request.meta[TOKEN]] = data
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _wrap_scraper(self) -> None:
        """Acknowledge a request when the scraper is done with its response or failure: the
        callback/errback ran, its items went through the pipelines and the feed (written and
        marked), its requests were queued."""
        scraper = self.crawler.engine.scraper
        original = scraper.enqueue_scrape

        def enqueue_scrape(result: Any, request: Any) -> Any:
            token = request.meta.get(TOKEN)
            if token is None:
                return original(result, request)
            self._scraping.add(token)
            deferred = original(result, request)
            deferred.addBoth(self._scraped, token)
            return deferred

        scraper.enqueue_scrape = enqueue_scrape

    def _scraped(self, result: Any, token: str) -> Any:
        self._scraping.discard(token)
        data = self._inflight.pop(token, None)
        if data is not None:
            with contextlib.suppress(StateError):  # unacknowledged: requeued by a reaper
                self.queue.ack(data)
        return result

    @_unless_redis_failed(None)
    def _ack_all(self) -> None:
        if self._inflight:
            self.queue.ack(*self._inflight.values())
            self._inflight.clear()
        self._scraping.clear()

    # -- heartbeats, reaper, idle --------------------------------------------------------------
    def _beat(self, register: bool = False) -> None:
        ttl = int(self.heartbeat_seconds * 1000)
        alive = self.server.set(self.heartbeat_key(self.worker), str(time.time()), px=ttl, xx=True)
        if not alive:
            if not register:
                logger.error(
                    "worker %s missed its heartbeat and was reaped: its in-flight requests may "
                    "be fetched twice; raise XINWEN_REDIS_HEARTBEAT_SECONDS",
                    self.worker,
                )
                self.stats.inc_value("xinwen/redis/reaped_self")
            self.server.set(self.heartbeat_key(self.worker), str(time.time()), px=ttl)
            self.server.hset(self.key("workers"), self.worker, str(time.time()))

    def _tick(self) -> None:
        try:
            self._beat()
            self.reap()
        except StateError:
            return  # the crawl is stopping with that cause already
        except Exception as exc:  # Redis briefly unreachable: try again next tick
            logger.warning("redis heartbeat failed: %s", exc)

    @_unless_redis_failed(None)
    def _poke(self) -> None:
        """Let an idle engine look at the shared queue now rather than at its next 5-second
        heartbeat (other workers keep adding requests)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None and len(self.queue):
            nextcall.schedule()

    def _state(self) -> Any:
        if not self.crawler.settings.getbool("XINWEN_DUPLICATES_ENABLED", True) and not (
            self.crawler.settings.getbool("XINWEN_RUNS_ENABLED", False)
        ):
            return None
        return crawl_state(self.crawler)

    def reap(self) -> int:
        """Give the requests of dead workers (heartbeat expired) back to the queue, after
        releasing their unwritten article claims. One reaper at a time (a lock with a TTL)."""
        lock = self.key("reaper")
        if not self.server.set(lock, self.worker, nx=True, px=10_000):
            return 0
        reaped = 0
        try:
            for worker in self.server.hkeys(self.key("workers")):
                worker = worker.decode() if isinstance(worker, bytes) else worker
                if worker == self.worker or self.server.exists(self.heartbeat_key(worker)):
                    continue
                state = self._state()
                released = state.release_worker(worker) if state is not None else 0
                requeued = self.queue.requeue(self.processing_key(worker))
                self.server.hdel(self.key("workers"), worker)
                reaped += 1
                self.stats.inc_value("xinwen/redis/reaped_workers")
                self.stats.inc_value("xinwen/redis/requeued", requeued)
                logger.warning(
                    "worker %s stopped without finishing: %d requests back in the queue, "
                    "%d unwritten articles released",
                    worker,
                    requeued,
                    released,
                )
        finally:
            if self.server.get(lock) in (self.worker, self.worker.encode()):
                self.server.delete(lock)
        return reaped

    def _crawl_quiet(self) -> bool:
        """No request queued and none in processing at any live worker."""
        if len(self.queue):
            return False
        for worker in self.server.hkeys(self.key("workers")):
            worker = worker.decode() if isinstance(worker, bytes) else worker
            if self.server.zcard(self.processing_key(worker)):
                return False
        return True

    def _finish_crawl(self) -> None:
        """The crawl is complete: the next worker to start begins a new one from the start
        pages (the incremental state stays)."""
        if self.server.hlen(self.key("workers")):
            return  # others are still idling out; the last one clears
        self.server.delete(self.key("seeded"), self.key("crawl_id"), self.df.key)
        logger.info("distributed crawl %s complete: seed marker and dupefilter cleared", self.ns)

    def spider_idle(self, spider: Any) -> None:
        """Keep the worker open while the crawl has work anywhere; close it once the shared
        queue and every worker's processing set stayed empty for XINWEN_REDIS_IDLE_SECONDS."""
        self._ack_all()  # this engine is idle: everything it popped has been handled
        try:
            self.reap()
            quiet = self._crawl_quiet()
        except StateError:
            return  # the crawl is stopping (see _unless_redis_failed)
        now = time.monotonic()
        if not quiet:
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
        logger.info(
            "queue empty and no request in flight for %.0f s: worker %s stops",
            self.idle_seconds,
            self.worker,
        )
        if not self.stats.get_value("scheduler/dequeued/redis") and not (
            self.stats.get_value("xinwen/redis/seeded")
        ):
            # Joined after the others had done all the work: nothing to do is not a failure.
            self.stats.set_value(CRAWL_COMPLETE_STAT, 1)
            logger.info(
                "distributed crawl %s was already complete when worker %s joined: nothing to do",
                self.ns,
                self.worker,
            )


class SeedOnceMiddleware:
    """Spider middleware: the start pages go to the shared queue once per crawl, from the first
    worker to start (see the module docstring). Inactive without `XINWEN_REDIS_URL`."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.server = redis_server(crawler.settings)
        self.ns = namespace(crawler.settings, crawler.spidercls.name)
        self.worker = worker_id(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SeedOnceMiddleware:
        if not uses_redis(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        key = f"{self.ns}:seeded"
        claim = self.server.register_script(_SEED)
        outcome = claim(keys=[key], args=[self.worker, f"{self.ns}:worker:"])
        if outcome == 1:  # a new crawl: its id tells its articles from earlier crawls' ones
            self.server.set(f"{self.ns}:crawl_id", f"{time.time():.6f}-{self.worker}")
        if outcome:
            how = "seeding" if outcome == 1 else "taking over the seeding of a dead worker:"
            logger.info("%s the start pages of %s", how, self.ns)
            self.crawler.stats.inc_value("xinwen/redis/seeded")
            async for item_or_request in start:
                yield item_or_request
            self.server.set(key, f"seeded {self.worker}")
            return
        logger.info("%s was seeded by another worker (%s)", self.ns, self.server.get(key))
        async for _ in start:  # run the spider's start() for its own bookkeeping only
            pass
