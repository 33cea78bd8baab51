"""`crawler.crawl.failures`: the reason given to each kind of failed request, and short tracebacks."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.crawl.failures import (
    RedirectLoop,
    RedirectLoopMiddleware,
    ShortTracebackFilter,
    failure_reason,
)

URL = "http://news.hnr.cn/202204/22/1.html"


def _reason(exc: Exception, meta: dict | None = None) -> str | None:
    found = failure_reason(Failure(exc), Request(URL, meta=meta or {}))
    return found[0] if found else None


@pytest.mark.parametrize(
    ("exc", "meta", "reason"),
    [
        (HttpError(HtmlResponse(URL, status=404)), None, "http 404"),
        (HttpError(HtmlResponse(URL, status=503)), None, "http 503"),
        (DownloadTimeoutError("took longer than 30 seconds"), None, "timeout"),
        (ResponseDataLossError(), None, "truncated download"),
        (DownloadCancelledError("larger than download max size"), None, "too large"),
        (DownloadConnectionRefusedError("refused"), None, "connection refused"),
        (CannotResolveHostError("no such host"), None, "dns failure"),
        (DownloadFailedError("connection lost"), None, "connection failed"),
        (RedirectLoop("redirect loop: a → b → a"), None, "redirect loop"),
        (
            IgnoreRequest("max redirections reached"),
            {"redirect_urls": ["a", "b"]},
            "too many redirects",
        ),
        (IgnoreRequest("refused: 127.0.0.1 is loopback"), None, "refused: private address"),
        (
            IgnoreRequest("Filtered offsite request to 'evil.example'"),
            {"redirect_urls": [URL]},
            "redirected off site",
        ),
        (ValueError("something else"), None, "download failed"),
        # Not failures: requests the crawl did not want.
        (IgnoreRequest("Forbidden by robots.txt"), None, None),
        (IgnoreRequest("Filtered offsite request to 'evil.example'"), None, None),
        (IgnoreRequest("offline mode mirrors http:// URLs only"), None, None),
    ],
)
def test_failure_reason(exc, meta, reason):
    assert _reason(exc, meta) == reason


def test_redirect_back_into_the_chain_is_a_loop():
    mw = RedirectLoopMiddleware()
    first = Request("http://a.hnr.cn/1.html")
    response = HtmlResponse(first.url, status=302, headers={"Location": "/2.html"})
    assert mw.process_response(first, response) is response  # a new URL: RedirectMiddleware's
    second = Request("http://a.hnr.cn/2.html", meta={"redirect_urls": [first.url]})
    back = HtmlResponse(second.url, status=301, headers={"Location": "http://a.hnr.cn/1.html#x"})
    with pytest.raises(RedirectLoop, match="redirect loop"):
        mw.process_response(second, back)
    to_itself = HtmlResponse(first.url, status=307, headers={"Location": first.url})
    with pytest.raises(RedirectLoop):
        mw.process_response(first, to_itself)


def test_tracebacks_become_one_line():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord(
            "scrapy.core.scraper", logging.ERROR, __file__, 1, "Spider error processing %s",
            (URL,), exc_info=__import__("sys").exc_info(),
        )  # fmt: skip
    assert ShortTracebackFilter().filter(record)
    assert record.exc_info is None
    text = logging.Formatter().format(record)
    assert text == f"Spider error processing {URL} (ValueError: bad thing)"
    assert "Traceback" not in text


def test_redirect_off_the_allowed_domains_is_reported():
    from types import SimpleNamespace

    from crawler.crawl.failures import RedirectedOffsite

    crawler = SimpleNamespace(spider=SimpleNamespace(allowed_domains=["hnr.cn"]))
    mw = RedirectLoopMiddleware(crawler)  # type: ignore[arg-type]
    request = Request("http://news.hnr.cn/1.html")
    inside = HtmlResponse(request.url, status=302, headers={"Location": "http://www.hnr.cn/2.html"})
    assert mw.process_response(request, inside) is inside
    outside = HtmlResponse(request.url, status=302, headers={"Location": "http://evil.example/"})
    with pytest.raises(RedirectedOffsite):
        mw.process_response(request, outside)
    assert _reason(RedirectedOffsite("redirected to http://evil.example/")) == "redirected off site"
    allowed = Request(request.url, meta={"allow_offsite": True})
    assert mw.process_response(allowed, outside) is outside
