"""Extraction off the crawl's event loop: a pool of worker processes.

A crawl spends its CPU on two things: Scrapy's own machinery (downloading, scheduling, link
extraction) and extracting records. In one process they take turns on one core; with a worker
process, extraction runs on another core while Scrapy keeps fetching. Records are the same
either way (`XINWEN_EXTRACT_PROCESSES = 0` extracts inline). Each worker enforces the per-page
time budget in its own main thread.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import os
import pickle
import signal
from typing import Any

from crawler.budget import time_budget
from crawler.parsers import ParseError
from crawler.parsers.links import page_links
from crawler.parsers.page import Page
from pipelines.state import body_simhash

logger = logging.getLogger(__name__)


PageResult = tuple[dict, str | None, tuple[list[tuple[str, str]], int]]
# A page's result and the SimHash of its body (None without a text body): computed in the
# worker, so that the duplicates pipeline need not (`pipelines.dedupe.remember_simhash`).
RecordResult = tuple[PageResult, int | None]


def extract_with_budget(
    body: bytes, url: str, http_charset: str | None, budget: float
) -> PageResult:
    """Fields, next-page URL and links of one page, under the per-page time budget (runs in a
    worker or inline). The page is parsed once for all three."""
    from crawler.parsers import extract_page

    with time_budget(budget):
        page = Page(body, url, http_charset)
        links = page_links(page.tree, url)
        fields, next_url = extract_page(body, url, http_charset=http_charset, page=page)
        return fields, next_url, links


def extract_with_simhash(
    body: bytes, url: str, http_charset: str | None, budget: float
) -> RecordResult:
    """`extract_with_budget` and the SimHash of the extracted body (pure: same value as the
    duplicates pipeline's own `body_simhash`)."""
    result = extract_with_budget(body, url, http_charset, budget)
    text = result[0].get("body")
    return result, (body_simhash(text) if isinstance(text, str) else None)


def _warm_up() -> None:
    """Import and first-call costs are paid when the worker starts, not on the first page."""
    extract_with_simhash(b"<html><body><h1>x</h1><p>x</p></body></html>", "http://x.cn/", None, 0)


def default_processes() -> int:
    """One worker per core beyond the first (the crawl itself keeps one), at most 4."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


MAX_IN_FLIGHT = 2
PREFETCH_MAX_BYTES = 96 * 1024  # a second page is sent ahead only if the socket takes it at once


class _WorkerDied(Exception):
    """The worker holding a page exited before answering."""


def _worker_main(conn: Any) -> None:
    """A worker: (function, args) in, (True, result) or (False, exception) out, until the
    crawl process closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl process decides when to stop
    _warm_up()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        function, args = job
        try:
            answer: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an answer that does not pickle
            conn.send((False, RuntimeError(f"unpicklable extraction result: {exc!r}")))


class _Worker:
    """One worker process and its socket; at most `MAX_IN_FLIGHT` pages sent to it."""

    def __init__(self, context: Any) -> None:
        conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        try:
            self.process.start()
        finally:
            child.close()
        self.conn = conn
        # Pages sent and not answered, oldest first: the one being extracted, and at most one
        # more waiting in the socket buffer so the worker never idles between pages.
        self.jobs: collections.deque[tuple[asyncio.Future, str, Any, tuple]] = collections.deque()

    def close(self) -> None:
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class ExtractionPool:
    """`await pool.extract(body, url, charset)`: fields and next-page URL of one page.

    Worker processes (forkserver: the crawl process, which runs threads, is never forked) are
    driven from the event loop itself: a page is sent down an idle worker's pipe, and its
    answer is read when the pipe becomes readable, with no helper threads in the crawl
    process. Pages wait in a queue for an idle worker."""

    def __init__(self, processes: int, budget: float) -> None:
        self.processes = processes
        self.budget = budget
        self._workers: list[_Worker] = []
        self._queue: collections.deque[tuple[Any, tuple, asyncio.Future, str]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: Any = None
        self._worked = False  # a worker has returned a page at least once

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and self._loop is not loop:
            self.close()
        if self._workers:
            return
        if self._context is None:
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(["crawler.parsers", "pipelines.state"])
        self._loop = loop
        for _ in range(self.processes):
            self._add_worker()

    def _add_worker(self) -> None:
        worker = _Worker(self._context)
        self._workers.append(worker)
        assert self._loop is not None
        self._loop.add_reader(worker.conn.fileno(), self._answered, worker)

    async def extract(self, body: bytes, url: str, http_charset: str | None) -> PageResult:
        return await self._run(extract_with_budget, body, url, http_charset)

    async def extract_record(self, body: bytes, url: str, http_charset: str | None) -> RecordResult:
        """`extract` and the SimHash of the page's body, both computed in the worker."""
        return await self._run(extract_with_simhash, body, url, http_charset)

    async def _run(self, function, body: bytes, url: str, http_charset: str | None) -> Any:
        args = (body, url, http_charset, self.budget)
        if self.processes <= 0:
            return function(*args)
        loop = asyncio.get_running_loop()
        try:
            self._start(loop)
        except (RuntimeError, OSError) as exc:
            self.close()
            return self._inline(exc, function, args)
        future = loop.create_future()
        self._queue.append((function, args, future, url))
        self._dispatch()
        try:
            result = await future
        except _WorkerDied as exc:
            if not self._worked:
                return self._inline(exc, function, args)
            # A worker died (a crash inside a C library on a hostile page): a new worker takes
            # the pages after it, and this page is reported.
            logger.warning("extraction worker died on %s; restarting it", url)
            raise ParseError("parser crashed", "the extraction worker died") from None
        self._worked = True
        return result

    def _inline(self, exc: BaseException, function, args: tuple) -> Any:
        # Workers cannot start here (e.g. a calling script without a
        # `if __name__ == "__main__":` guard): extract in this process instead.
        if self.processes > 0:
            logger.warning("extraction workers unavailable (%s); extracting inline", exc)
            self.processes = 0
        return function(*args)

    def _dispatch(self) -> None:
        for depth in range(MAX_IN_FLIGHT):
            for worker in list(self._workers):
                while self._queue and self._queue[0][2].done():  # cancelled while it waited
                    self._queue.popleft()
                if not self._queue:
                    return
                if len(worker.jobs) > depth:
                    continue
                function, args, future, url = self._queue[0]
                payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
                if worker.jobs and len(payload) > PREFETCH_MAX_BYTES:
                    continue  # would not fit the socket buffer: wait until the worker is idle
                self._queue.popleft()
                worker.jobs.append((future, url, function, args))
                try:
                    worker.conn.send_bytes(payload)
                except (EOFError, OSError):
                    self._died(worker)
                    return

    def _answered(self, worker: _Worker) -> None:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._died(worker)
            return
        job = worker.jobs.popleft() if worker.jobs else None
        if job is not None and not job[0].done():
            if ok:
                job[0].set_result(value)
            else:
                job[0].set_exception(value)
        self._dispatch()

    def _died(self, worker: _Worker) -> None:
        """A worker exited: its page fails; a new worker takes its place (or, when no worker
        ever answered, the pool is given up and every waiting page is extracted inline)."""
        self._remove(worker)
        failed = [worker.jobs.popleft()[0]] if worker.jobs else []
        # Pages sent behind the one that crashed go back to the front of the queue.
        while worker.jobs:
            future, url, function, args = worker.jobs.pop()
            self._queue.appendleft((function, args, future, url))
        if not self._worked:
            failed += [future for _f, _a, future, _u in self._queue]
            for other in self._workers:
                failed += [job[0] for job in other.jobs]
                other.jobs.clear()
            self._queue.clear()
            self.close()
        else:
            try:
                self._add_worker()
            except (RuntimeError, OSError) as exc:
                logger.warning("could not restart an extraction worker: %s", exc)
        for future in failed:
            if not future.done():
                future.set_exception(_WorkerDied())
        self._dispatch()

    def _remove(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(worker.conn.fileno())
        worker.close()

    def close(self) -> None:
        for worker in list(self._workers):
            self._remove(worker)
            for job in worker.jobs:
                if not job[0].done():
                    job[0].cancel()
            worker.jobs.clear()
        for _function, _args, future, _url in self._queue:
            if not future.done():
                future.cancel()
        self._queue.clear()
        self._loop = None
