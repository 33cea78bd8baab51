"""Crawl-level failures: every page that could not be fetched gets a reason and a quarantine line.

Scrapy reports a page it could not fetch (404, 500, a timeout, a truncated or oversized download,
a redirect loop, a request the private-address guard refused) to the request's errback, or, when
there is none, logs the error with a traceback and forgets the page. Here:

- `FailuresMiddleware` (a spider middleware, switch `XINWEN_FAILURES_ENABLED`) gives every request
  a spider leaves without an errback the errback `xinwen_request_failed`, attached to the spider
  itself so that requests stay serialisable (JOBDIR, scrapy-redis). The errback turns the failure
  into a `RejectedPage` item with a short reason (`http 404`, `timeout`, `truncated download` …),
  so the validation pipeline writes it to the quarantine file and counts it under
  `xinwen/rejected/<reason>`; it is also counted under `xinwen/failed/<reason>` and logged as one
  warning line. Requests that are merely not wanted (robots.txt, off-site links, `max_pages`) are
  not failures and stay silent. An exception raised by a callback (a parser bug) becomes a
  `parser error` rejection the same way instead of a traceback.
- `RedirectLoopMiddleware` (a downloader middleware) stops a redirect that comes back to a URL of
  its own chain at once (`redirect loop`), instead of after `REDIRECT_MAX_TIMES` hops or a silent
  drop by the duplicate filter, and a redirect off the allowed domains (`redirected off site`),
  which Scrapy's OffsiteMiddleware would drop without telling anyone.
- Tracebacks stay out of the user's log: `XINWEN_LOG_TRACEBACKS = False` (the default) shortens any
  logged traceback to its last line (`ValueError: …`), unless `LOG_LEVEL` is `DEBUG`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from types import MethodType
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
)
from twisted.internet.error import (
    TimeoutError as TxTimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.state import StateError
from pipelines.quarantine import RejectedPage

logger = logging.getLogger(__name__)

ERRBACK_NAME = "xinwen_request_failed"
MAX_DETAIL = 300


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already visited in the same chain."""


class RedirectedOffsite(IgnoreRequest):
    """A redirect to a host outside the spider's allowed domains."""


def _short(text: str, limit: int = MAX_DETAIL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_reason(failure: Failure, request: Request | None = None) -> tuple[str, str] | None:
    """(reason, detail) of a failed request, or None when the request was only not wanted
    (robots.txt, off-site, offline mode, max_pages): those are not failures."""
    exc = failure.value
    meta = request.meta if request is not None else {}
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http {status}", f"the server answered HTTP {status}"
    if isinstance(exc, RedirectLoop):
        return "redirect loop", _short(str(exc))
    if isinstance(exc, RedirectedOffsite):
        return "redirected off site", _short(str(exc))
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if message.startswith("refused:"):
            return "refused: private address", _short(message[len("refused:") :].strip())
        if message == "max redirections reached":
            chain = " → ".join(meta.get("redirect_urls", [])[-3:])
            return "too many redirects", _short(f"more than the allowed redirects: {chain}")
        if message.startswith("Filtered offsite request") and meta.get("redirect_urls"):
            return "redirected off site", _short(message)
        return None
    if isinstance(exc, DownloadTimeoutError | TxTimeoutError | TCPTimedOutError):
        return "timeout", _short(str(exc) or "the server did not answer in time")
    if isinstance(exc, ResponseDataLossError):
        return "truncated download", "the connection closed before the announced length"
    if isinstance(exc, DownloadCancelledError):
        return "too large", _short(str(exc) or "larger than DOWNLOAD_MAXSIZE")
    if isinstance(exc, DownloadConnectionRefusedError | ConnectError):
        return "connection refused", _short(str(exc) or type(exc).__name__)
    if isinstance(exc, CannotResolveHostError | DNSLookupError):
        return "dns failure", _short(str(exc) or type(exc).__name__)
    if isinstance(
        exc, DownloadFailedError | ResponseFailed | ResponseNeverReceived | ConnectionLost
    ):
        return "connection failed", _short(str(exc) or type(exc).__name__)
    return "download failed", _short(f"{type(exc).__name__}: {exc}")


def _request_failed(spider: Spider, failure: Failure) -> Iterator[RejectedPage]:
    """The errback: one RejectedPage for a real failure, nothing for an unwanted request."""
    request: Request | None = getattr(failure, "request", None)
    found = failure_reason(failure, request)
    if found is None:
        return
    reason, detail = found
    url = request.url if request is not None else ""
    original = (request.meta.get("redirect_urls") or [url])[0] if request is not None else url
    if spider.crawler.stats is not None:
        spider.crawler.stats.inc_value(f"xinwen/failed/{reason}")
    logger.warning("failed %s: %s (%s)", original, reason, detail)
    errors = [detail] if url == original else [detail, f"last URL: {url}"]
    article = (
        request is not None
        and getattr(request.callback, "__name__", "") == "parse_article"
        and not request.meta.get("xinwen_pages")
    )
    yield RejectedPage(original, reason, errors, article=article)


class FailuresMiddleware:
    """Spider middleware: an errback on every request, parser errors quarantined, short logs."""

    def __init__(self, crawler: Crawler, tracebacks: bool) -> None:
        self.crawler = crawler
        self.filter = None if tracebacks else ShortTracebackFilter()
        spider = crawler.spider
        if spider is not None and not hasattr(spider, ERRBACK_NAME):
            # An instance attribute is a spider method for request_to_dict, so requests carrying
            # it stay serialisable, and it is there again when a JOBDIR crawl resumes.
            setattr(spider, ERRBACK_NAME, MethodType(_request_failed, spider))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailuresMiddleware:
        settings = crawler.settings
        if not settings.getbool("XINWEN_FAILURES_ENABLED", True):
            raise NotConfigured
        debug = str(settings.get("LOG_LEVEL", "")).upper() == "DEBUG"
        mw = cls(crawler, settings.getbool("XINWEN_LOG_TRACEBACKS", False) or debug)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.engine_stopped, signal=signals.engine_stopped)
        return mw

    # -- short tracebacks while the crawl runs ------------------------------------------------

    def spider_opened(self) -> None:
        if self.filter is not None:
            for handler in logging.root.handlers:
                handler.addFilter(self.filter)

    def engine_stopped(self) -> None:
        if self.filter is not None:
            for handler in logging.root.handlers:
                handler.removeFilter(self.filter)

    # -- errbacks -------------------------------------------------------------------------------

    def _errback(self, request: Any) -> Any:
        if isinstance(request, Request) and request.errback is None:
            spider = self.crawler.spider
            errback = getattr(spider, ERRBACK_NAME, None)
            if errback is not None:
                request.errback = errback
        return request

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield self._errback(item_or_request)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for item_or_request in result:
            yield self._errback(item_or_request)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item_or_request in result:
            yield self._errback(item_or_request)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        if isinstance(exception, StateError):
            return []  # the crawl is stopping (stop_crawl); no page is to blame
        if isinstance(exception, IgnoreRequest):
            if isinstance(exception, HttpError):  # a request without our errback
                failure = Failure(exception)
                failure.request = response.request  # type: ignore[attr-defined]
                return list(_request_failed(self.crawler.spider, failure))
            return None
        detail = _short(f"{type(exception).__name__}: {exception}")
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("xinwen/failed/parser error")
        logger.warning("failed %s: parser error (%s)", response.url, detail)
        return [RejectedPage(response.url, "parser error", [detail])]


class RedirectLoopMiddleware:
    """Downloader middleware (before RedirectMiddleware): a redirect to a URL already in its own
    chain raises `RedirectLoop` at once, and a redirect off the spider's allowed domains raises
    `RedirectedOffsite` (Scrapy's OffsiteMiddleware would drop it without telling the spider)."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        if not crawler.settings.getbool("XINWEN_FAILURES_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def _offsite(self, request: Request, target: str) -> bool:
        spider = self.crawler.spider if self.crawler is not None else None
        domains = [d for d in (getattr(spider, "allowed_domains", None) or []) if d]
        if not domains or request.dont_filter or request.meta.get("allow_offsite"):
            return False
        try:
            host = (urlsplit(target).hostname or "").lower()
        except ValueError:
            return True
        return not any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        location = response.headers[b"Location"].decode("latin-1")
        try:
            target = urljoin(request.url, location)
        except ValueError:
            return response
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target.split("#", 1)[0] in {u.split("#", 1)[0] for u in chain}:
            shown = " → ".join([*chain[-3:], target])
            raise RedirectLoop(f"redirect loop: {shown}")
        if self._offsite(request, target):
            raise RedirectedOffsite(f"redirected to {_short(target, 200)}")
        return response


class ShortTracebackFilter(logging.Filter):
    """Turns a log record's traceback into one line appended to its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None:
            exc = exc_info[1]
            try:
                message = record.getMessage()
            except Exception:  # a malformed record: keep it as it is
                return True
            record.msg = f"{message} ({type(exc).__name__}: {_short(str(exc))})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        elif record.exc_text:
            record.exc_text = None
        return True
