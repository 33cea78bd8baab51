"""Meta-refresh redirects (crawler/crawl/middlewares.py LazyMetaRefreshMiddleware): Scrapy's
decisions, without decoding the pages that have none."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.crawl.middlewares import LazyMetaRefreshMiddleware
from crawler.spiders.hnr import HnrSpider

URL = "http://news.hnr.cn/201906/21/1.html"
REFRESH = '<meta http-equiv="Refresh" content="0; url=http://news.hnr.cn/201906/21/2.html">'


def _page(head: str, body: str = "映象网讯 正文。" * 50, encoding: str = "utf-8") -> HtmlResponse:
    html = f"<html><head><meta charset={encoding}>{head}</head><body><p>{body}</p></body></html>"
    return HtmlResponse(URL, body=html.encode(encoding), encoding=encoding, request=Request(URL))


def _both():
    crawler = get_crawler(HnrSpider)
    return LazyMetaRefreshMiddleware.from_crawler(crawler), MetaRefreshMiddleware.from_crawler(
        crawler
    )


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030", "utf-16"])
def test_a_meta_refresh_is_followed_in_any_encoding(encoding: str) -> None:
    lazy, scrapy_own = _both()
    response = _page(REFRESH, encoding=encoding)
    redirected = lazy.process_response(response.request, response)
    assert isinstance(redirected, Request)
    assert redirected.url.startswith("http://news.hnr.cn/201906/21/2.html")
    assert redirected.url == scrapy_own.process_response(response.request, response).url


@pytest.mark.parametrize(
    ("head", "body"),
    [
        ("", "映象网讯 正文。" * 50),
        ("", "refresh 一词在正文里"),
        ("<title>刷新</title>", "x" * 5000),
    ],
)
def test_a_page_without_one_is_returned_as_scrapy_would(head: str, body: str) -> None:
    lazy, scrapy_own = _both()
    response = _page(head, body)
    assert lazy.process_response(response.request, response) is response
    assert scrapy_own.process_response(response.request, response) is response


def test_a_page_without_refresh_is_not_decoded() -> None:
    lazy, _ = _both()
    response = _page("")
    lazy.process_response(response.request, response)
    assert getattr(response, "_cached_ubody", None) is None  # Scrapy's decode cache stays empty


def test_a_refresh_past_the_first_4096_characters_is_ignored_as_by_scrapy() -> None:
    lazy, scrapy_own = _both()
    late = "<p>" + "正" * 5000 + "</p>" + REFRESH
    response = _page("", late)
    assert lazy.process_response(response.request, response) is response
    assert scrapy_own.process_response(response.request, response) is response
