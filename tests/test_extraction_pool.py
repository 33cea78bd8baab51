"""Extraction in worker processes gives the same fields as inline extraction."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.extraction import ExtractionPool, default_processes, extract_with_budget
from crawler.parsers import ParseError, extract_page
from crawler.parsers.links import page_links

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
        assert found  # every fixture article links somewhere


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
