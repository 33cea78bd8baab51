"""Extraction in worker processes gives the same fields as inline extraction."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.crawl.extraction import (
    WORKER_QUEUE,
    ExtractionPool,
    default_processes,
    extract_with_budget,
)
from crawler.extract import ParseError, extract_page
from crawler.extract.links import page_links

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hnr"


def _articles() -> list[tuple[bytes, str]]:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    return [
        ((FIXTURES / page["file"]).read_bytes(), page["url"])
        for page in manifest["pages"]
        if page["kind"] == "article"
    ]


def test_worker_processes_give_the_inline_fields() -> None:
    pool = ExtractionPool(processes=1, budget=10)

    async def run() -> list:
        return await asyncio.gather(*(pool.extract(body, url, None) for body, url in _articles()))

    try:
        results = asyncio.run(run())
    finally:
        pool.close()
    inline = [extract_with_budget(body, url, None, 10) for body, url in _articles()]
    assert results == inline
    for (fields, next_url, _links), (body, url) in zip(results, _articles(), strict=True):
        assert (fields, next_url) == extract_page(body, url)


def _drain(pool: ExtractionPool, pages: list[tuple[bytes, str]], watch, every: float) -> list:
    """Submit every page at once and return their results, calling `watch()` every `every`
    seconds while any is still out."""

    async def run() -> list:
        tasks = [asyncio.ensure_future(pool.extract(body, url, None)) for body, url in pages]
        while not all(task.done() for task in tasks):
            watch()
            await asyncio.sleep(every)
        return [task.result() for task in tasks]

    try:
        return asyncio.run(run())
    finally:
        pool.close()


def test_pages_waiting_for_a_worker_are_not_copied_into_pickles() -> None:
    """Only the pages handed to a worker are pickled: a backlog is held once, as its bodies."""
    pool = ExtractionPool(processes=1, budget=10)
    pages = _articles() * 3
    seen_waiting: list[int] = []

    def watch() -> None:
        seen_waiting.append(sum(isinstance(job, bytes) for _f, job in pool._waiting))

    results = _drain(pool, pages, watch, 0.01)
    assert results == [extract_with_budget(body, url, None, 10) for body, url in pages]
    assert max(seen_waiting) <= 1  # at most the one a full pipe sent back to the front


def test_worker_links_are_the_links_the_spider_reads() -> None:
    """The article's links come from the worker's parse; they match Scrapy's own parse."""
    for body, url in _articles():
        response = HtmlResponse(url, body=body, request=Request(url))
        _fields, _next, (found, malformed) = extract_with_budget(body, url, None, 10)
        spider_view, spider_malformed = page_links(response.selector.root, url)
        # URLs agree; anchor texts may differ where Scrapy guesses a GBK page's encoding
        # without its header (the worker decodes with xinwen's own detection).
        assert [u for u, _t in found] == [u for u, _t in spider_view]
        assert malformed == spider_malformed
        # every fixture article links somewhere, but an app shell (its links come by script)
        assert found or b'id="app"' in body


@pytest.mark.parametrize("processes", [0, 1])
def test_parse_error_keeps_its_reason_across_processes(processes: int) -> None:
    pool = ExtractionPool(processes=processes, budget=10)
    try:
        with pytest.raises(ParseError) as caught:
            asyncio.run(pool.extract(b"%PDF-1.4 binary", "http://news.hnr.cn/1.html", None))
    finally:
        pool.close()
    assert caught.value.reason == "not html"
    assert caught.value.detail == "the response is binary content"


def test_default_leaves_one_core_to_the_crawl() -> None:
    assert 0 <= default_processes() <= 4


def _die(body: bytes, url: str, http_charset: str | None, budget: float) -> None:
    """A page that kills its worker, as a crash inside a C library would."""
    os._exit(3)


def test_a_dead_worker_loses_only_its_page_and_is_replaced() -> None:
    pool = ExtractionPool(processes=1, budget=10)
    (body, url), *_ = _articles()

    async def run() -> tuple:
        first = await pool.extract(body, url, None)
        worker = pool._workers[0].process.pid
        with pytest.raises(ParseError) as caught:
            await pool._run(_die, body, url, None)
        after = await pool.extract(body, url, None)
        return first, worker, caught.value.reason, after, pool._workers[0].process.pid

    try:
        first, worker, reason, after, replacement = asyncio.run(run())
    finally:
        pool.close()
    assert reason == "parser crashed"
    assert after == first
    assert replacement != worker


def test_pages_are_shared_among_workers_and_come_back_to_their_callers() -> None:
    pool = ExtractionPool(processes=2, budget=10)
    pages = _articles() * 3

    async def run() -> list:
        return await asyncio.gather(*(pool.extract(body, url, None) for body, url in pages))

    try:
        results = asyncio.run(run())
        workers = {worker.process.pid for worker in pool._workers}
    finally:
        pool.close()
    assert len(workers) == 2
    assert results == [extract_with_budget(body, url, None, 10) for body, url in pages]


def test_a_page_cancelled_while_waiting_is_never_sent() -> None:
    pool = ExtractionPool(processes=1, budget=10)
    (body, url), *_ = _articles()

    async def run() -> tuple:
        first = asyncio.ensure_future(pool.extract(body, url, None))
        second = asyncio.ensure_future(pool.extract(body, url, None))
        await asyncio.sleep(0)  # both submitted: the first is held, the second waits
        second.cancel()
        result = await first
        return result, await pool.extract(body, url, None), second.cancelled()

    try:
        result, again, cancelled = asyncio.run(run())
    finally:
        pool.close()
    assert cancelled
    assert result == again


def test_the_pages_waiting_behind_a_crash_are_extracted_by_the_new_worker() -> None:
    pool = ExtractionPool(processes=1, budget=10)
    (body, url), *_ = _articles()

    async def run() -> tuple:
        warm = await pool.extract(body, url, None)
        crash = asyncio.ensure_future(pool._run(_die, body, url, None))
        behind = [asyncio.ensure_future(pool.extract(body, url, None)) for _ in range(3)]
        await asyncio.sleep(0)
        held = len(pool._workers[0].holding)  # all in the worker's pipe
        with pytest.raises(ParseError):
            await crash
        return warm, held, await asyncio.gather(*behind)

    try:
        warm, held, behind = asyncio.run(run())
    finally:
        pool.close()
    assert held == 4
    assert behind == [warm] * 3


def test_a_worker_holds_a_queue_of_pages_that_its_pipe_holds_whole() -> None:
    """Several pages wait in a busy worker's pipe (it does not idle while the event loop runs
    other callbacks), never more than WORKER_QUEUE nor more bytes than the pipe holds."""
    pool = ExtractionPool(processes=1, budget=10)
    pages = _articles() * 4
    held: list[tuple[int, int, int]] = []

    def watch() -> None:
        if pool._workers:
            worker = pool._workers[0]
            held.append((len(worker.holding), worker.queued_bytes(), worker.capacity))

    results = _drain(pool, pages, watch, 0.001)
    assert results == [extract_with_budget(body, url, None, 10) for body, url in pages]
    assert all(count <= WORKER_QUEUE and queued <= capacity for count, queued, capacity in held)
    largest = max(len(body) for body, _url in pages) + 1024  # with its URL and pickle framing
    if held[0][2] >= WORKER_QUEUE * largest:  # the pipe holds a full queue of the largest page
        assert max(count for count, _queued, _capacity in held) == WORKER_QUEUE
    else:
        assert max(count for count, _queued, _capacity in held) >= 2
