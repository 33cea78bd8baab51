"""Extraction off the crawl's event loop: a pool of worker processes.

A crawl spends its CPU on two things: Scrapy's own machinery (downloading, scheduling, link
extraction) and extracting records. In one process they take turns on one core; with a worker
process, extraction runs on another core while Scrapy keeps fetching. Records are the same
either way (`XINWEN_EXTRACT_PROCESSES = 0` extracts inline). Each worker enforces the per-page
time budget in its own main thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import multiprocessing
import os
import pickle
from collections import deque
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

from crawler.extract import ParseError, extract_page
from crawler.extract.budget import time_budget
from crawler.extract.links import page_links
from crawler.extract.page import Page

logger = logging.getLogger(__name__)


PageResult = tuple[dict, str | None, tuple[list[tuple[str, str]], int]]


def extract_with_budget(
    body: bytes, url: str, http_charset: str | None, budget: float
) -> PageResult:
    """Fields, next-page URL and links of one page, under the per-page time budget (runs in a
    worker or inline). The page is parsed once for all three."""
    with time_budget(budget):
        page = Page(body, url, http_charset)
        links = page_links(page.tree, url)
        fields, next_url = extract_page(body, url, http_charset=http_charset, page=page)
        return fields, next_url, links


def _warm_up() -> None:
    """Import and first-call costs are paid when the worker starts, not on the first page."""
    extract_with_budget(b"<html><body><h1>x</h1><p>x</p></body></html>", "http://x.cn/", None, 0)


def default_processes() -> int:
    """One worker per core beyond the first (the crawl itself keeps one), at most 4."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class WorkerDied(Exception):
    """The worker process ended (a crash inside a C library, a kill) while holding a page."""


def _serve(requests: Connection, replies: Connection) -> None:
    """A worker's loop: (function, args) in, ("ok", result) or ("error", exception) out."""
    _warm_up()
    while True:
        try:
            function, args = pickle.loads(requests.recv_bytes())
        except (EOFError, OSError, KeyboardInterrupt):
            return  # the crawl closed its end, or was interrupted: nothing is held
        try:
            reply = ("ok", function(*args))
        except Exception as exc:  # sent back: the crawl reports it with the page's URL
            reply = ("error", exc)
        try:
            payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that does not pickle: its text does
            payload = pickle.dumps(("error", RuntimeError(repr(exc)[:500])))
        try:
            replies.send_bytes(payload)
        except (OSError, KeyboardInterrupt):
            return


# Bytes a request pipe is asked to hold (Linux's default limit for an unprivileged process): a
# page no larger waits in the pipe while its worker finishes the page before it.
PIPE_BYTES = 1 << 20
# Pages a worker holds: the one it works on and those waiting in its pipe. One waiting page was
# not enough: while the crawl's event loop ran other callbacks (a list page, a batch of
# downloads) the worker finished both and idled (benchmarks/crawl.py: about 15 % of the
# worker's time, 126-129 pages/s against 149-154 with eight).
WORKER_QUEUE = 8


def _framed(payload: bytes) -> int:
    """Bytes a payload takes in the pipe: its length header and itself."""
    return len(payload) + 16


def _pipe_capacity(connection: Connection) -> int:
    """How many bytes the pipe holds before a write blocks, enlarged where the system lets."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or over the limit
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        return fcntl.fcntl(connection.fileno(), fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):
        return 0  # unknown: one page at a time


class _Worker:
    """One worker process, its request and reply pipes, and the pages it holds in order: the
    one it works on, then those waiting in its pipe (at most `WORKER_QUEUE` in all), so that
    it does not idle while the crawl's event loop is busy elsewhere."""

    def __init__(self, context: Any) -> None:
        requests_out, self.requests = context.Pipe(duplex=False)
        self.replies, replies_in = context.Pipe(duplex=False)
        self.capacity = _pipe_capacity(self.requests)
        self.process = context.Process(target=_serve, args=(requests_out, replies_in), daemon=True)
        try:
            self.process.start()
        finally:
            requests_out.close()
            replies_in.close()
        self.holding: deque[tuple[asyncio.Future, bytes]] = deque()

    def takes(self, payload: bytes) -> bool:
        """A free worker takes any page; a busy one more pages while its pipe holds them
        whole, so that the write cannot block the crawl."""
        if not self.holding:
            return True
        return self.has_room() and self.queued_bytes() + _framed(payload) <= self.capacity

    def has_room(self) -> bool:
        return len(self.holding) < WORKER_QUEUE

    def queued_bytes(self) -> int:
        """Bytes still in the pipe: every page held after the first, which the worker has read."""
        return sum(_framed(payload) for _future, payload in islice(self.holding, 1, None))

    def close(self) -> None:
        self.requests.close()
        self.replies.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class ExtractionPool:
    """`await pool.extract(body, url, charset)`: fields and next-page URL of one page.

    Worker processes, each on a pipe that the event loop watches: a page is pickled straight
    into a free worker's pipe, and its result read when the pipe turns readable, with no helper
    thread in the crawl process (a `ProcessPoolExecutor` hands every page through a queue
    feeder thread and a manager thread: about twice the hand-off's CPU in the crawl process)."""

    def __init__(self, processes: int, budget: float) -> None:
        self.processes = processes
        self.budget = budget
        self._workers: list[_Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Pages waiting for a worker: (future, (function, arguments)), or its pickle once made.
        self._waiting: deque[tuple[asyncio.Future, Any]] = deque()
        self._worked = False  # a worker has returned a page at least once
        self._starting: asyncio.Task | None = None  # the workers being started

    async def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Workers running and watched on this loop (on a new loop, as in tests: anew). They
        are started in a thread: a forkserver's start-up (its preload imports the extraction)
        takes seconds on a loaded machine, and the event loop must keep running meanwhile
        (a distributed worker's heartbeat is on it)."""
        if self._loop is not loop:
            self._unwatch()
            self._loop = loop
            self._starting = None
            for worker in self._workers:
                loop.add_reader(worker.replies.fileno(), self._readable, worker)
        if not self._workers:
            if self._starting is None:
                self._starting = loop.create_task(self._spawn_watched(loop))
            await asyncio.shield(self._starting)

    async def _spawn_watched(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            workers = await asyncio.to_thread(self._spawn)
        finally:
            self._starting = None
        for worker in workers:
            self._workers.append(worker)
            loop.add_reader(worker.replies.fileno(), self._readable, worker)

    def _spawn(self) -> list[_Worker]:
        # forkserver: never fork the crawl process itself, which runs threads.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawler.extract", "crawler.state.sqlite_store"])
        return [_Worker(context) for _ in range(self.processes)]

    def _add_worker(self) -> None:
        assert self._loop is not None
        worker = _Worker(multiprocessing.get_context("forkserver"))
        self._workers.append(worker)
        self._loop.add_reader(worker.replies.fileno(), self._readable, worker)

    def _unwatch(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            for worker in self._workers:
                self._loop.remove_reader(worker.replies.fileno())

    def _dispatch(self) -> None:
        """Hand waiting pages to workers that take them. A page is pickled only then: a page
        waiting for a worker is held once, as its response, not twice."""
        for worker in list(self._workers):
            while self._waiting and worker.has_room():
                future, job = self._waiting[0]
                if future.done():  # cancelled while it waited
                    self._waiting.popleft()
                    continue
                try:
                    payload = job if isinstance(job, bytes) else pickle.dumps(job, protocol=5)
                except Exception as exc:  # reported with its page, never in the loop callback
                    self._waiting.popleft()
                    future.set_exception(exc)
                    continue
                if not worker.takes(payload):
                    self._waiting[0] = (future, payload)
                    break
                self._waiting.popleft()
                worker.holding.append((future, payload))
                try:
                    worker.requests.send_bytes(payload)
                except OSError:
                    self._readable(worker)  # its end is gone: reported as a dead worker
                    return

    def _readable(self, worker: _Worker) -> None:
        """The worker answered its oldest page, or died."""
        try:
            status, value = pickle.loads(worker.replies.recv_bytes())
        except (EOFError, OSError):
            self._died(worker)
            return
        future, _payload = worker.holding.popleft()
        if not future.done():
            if status == "ok":
                future.set_result(value)
            else:
                future.set_exception(value)
        self._dispatch()

    def _died(self, worker: _Worker) -> None:
        """A dead worker: the page it worked on is failed, the pages waiting in its pipe go
        back to the front of the queue, and a new worker takes their place."""
        assert self._loop is not None
        self._loop.remove_reader(worker.replies.fileno())
        self._workers.remove(worker)
        worker.close()
        if worker.holding:
            future, _payload = worker.holding.popleft()
            if not future.done():
                future.set_exception(WorkerDied())
            self._waiting.extendleft(reversed(worker.holding))
        try:
            self._add_worker()
        except (OSError, RuntimeError) as exc:
            logger.warning("extraction worker could not be restarted: %s", exc)
        self._dispatch()

    async def extract(self, body: bytes, url: str, http_charset: str | None) -> PageResult:
        return await self._run(extract_with_budget, body, url, http_charset)

    async def _run(self, function, body: bytes, url: str, http_charset: str | None) -> Any:
        if self.processes <= 0:
            return function(body, url, http_charset, self.budget)
        loop = asyncio.get_running_loop()
        try:
            await self._start(loop)
            if not self._workers:
                raise WorkerDied()
            future = loop.create_future()
            arguments = (body, url, http_charset, self.budget)
            self._waiting.append((future, (function, arguments)))
            self._dispatch()
            result = await future
        except (WorkerDied, RuntimeError, OSError) as exc:
            if self._worked and not isinstance(exc, WorkerDied):
                raise  # the parser's own error on this page: the pool is fine
            if not self._worked:
                # Workers cannot start here (e.g. a calling script without a
                # `if __name__ == "__main__":` guard): extract in this process instead, this
                # page and every other one sent to the workers (pages that waited for the
                # same start come here too: said once).
                if self.processes > 0:
                    self._shut(WorkerDied)
                    logger.warning("extraction workers unavailable (%s); extracting inline", exc)
                    self.processes = 0
                return function(body, url, http_charset, self.budget)
            # A worker died (a crash inside a C library on a hostile page): a new worker takes
            # the pages after it, and this page is reported.
            logger.warning("extraction worker died on %s; restarting it", url)
            raise ParseError("parser crashed", "the extraction worker died") from None
        self._worked = True
        return result

    def close(self) -> None:
        """Stop the workers; pages still waiting or held are cancelled."""
        self._shut(None)

    def _shut(self, failure: type[Exception] | None) -> None:
        """Stop the workers; pages still waiting or held get `failure` (cancelled if None)."""
        self._unwatch()
        pending = [*self._waiting]
        for worker in self._workers:
            pending += worker.holding
            worker.close()
        for future, _payload in pending:
            if future.done():
                continue
            if failure is None:
                future.cancel()
            else:
                future.set_exception(failure())
        self._waiting.clear()
        self._workers = []
        self._loop = None
