"""Extraction off the crawl's event loop: a pool of worker processes.

A crawl spends its CPU on two things: Scrapy's own machinery (downloading, scheduling, link
extraction) and extracting records. In one process they take turns on one core; with a worker
process, extraction runs on another core while Scrapy keeps fetching. Records are the same
either way (`XINWEN_EXTRACT_PROCESSES = 0` extracts inline). Each worker enforces the per-page
time budget in its own main thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


class ExtractionPool:
    """`await pool.extract(body, url, charset)`: fields and next-page URL of one page."""

    def __init__(self, processes: int, budget: float) -> None:
        self.processes = processes
        self.budget = budget
        self._executor: ProcessPoolExecutor | None = None
        self._worked = False  # a worker has returned a page at least once

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: never fork the crawl process itself, which runs threads.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.parsers", "pipelines.state"])
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=context, initializer=_warm_up
            )
        return self._executor

    async def extract(self, body: bytes, url: str, http_charset: str | None) -> PageResult:
        return await self._run(extract_with_budget, body, url, http_charset)

    async def extract_record(self, body: bytes, url: str, http_charset: str | None) -> RecordResult:
        """`extract` and the SimHash of the page's body, both computed in the worker."""
        return await self._run(extract_with_simhash, body, url, http_charset)

    async def _run(self, function, body: bytes, url: str, http_charset: str | None) -> Any:
        if self.processes <= 0:
            return function(body, url, http_charset, self.budget)
        try:
            future = self._pool().submit(function, body, url, http_charset, self.budget)
            result = await asyncio.wrap_future(future)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            if self._worked and not isinstance(exc, BrokenProcessPool):
                raise  # the parser's own error on this page: the pool is fine
            self.close()
            if not self._worked:
                # Workers cannot start here (e.g. a calling script without a
                # `if __name__ == "__main__":` guard): extract in this process instead.
                logger.warning("extraction workers unavailable (%s); extracting inline", exc)
                self.processes = 0
                return function(body, url, http_charset, self.budget)
            # A worker died (a crash inside a C library on a hostile page): a new pool takes
            # the pages after it, and this page is reported.
            logger.warning("extraction worker died on %s; restarting the pool", url)
            raise ParseError("parser crashed", "the extraction worker died") from None
        self._worked = True
        return result

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
