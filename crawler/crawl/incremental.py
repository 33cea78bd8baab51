"""Incremental crawls: no request for an article the state already has, and no paging further
down a list once a page holds nothing new.

`IncrementalMiddleware` is a spider middleware, so every spider built on the list-and-article
crawl (`parse_list` / `parse_article` callbacks, a `site` with `is_article` / `url_date` /
`is_channel_root`, `links(response)`) gets it without code of its own:

- an article request whose URL the crawl state knows (`StateStore.is_known`: written before, an
  alias of a written article, or rejected less than `XINWEN_REJECTED_RETRY_DAYS` ago) is dropped
  before it reaches the scheduler (`xinwen/skipped/known`); the continuation pages of a
  multi-page article (`meta["xinwen_pages"]`) always go through;
- on a list page whose article links are all dated before the window's `since`, or all known
  *below the watermark of a completed pass* over that list, the requests for the later pages of
  that list (same folder; channel roots excepted) are dropped (`xinwen/lists/stopped`). A pass
  is complete when a run fetched every page of the list it requested and finished normally,
  with every record durable (`complete_list_passes`, recorded by the run recorder at the end);
  its watermark is that moment. An article that became known later (by a run that was killed
  before it paged the list to its end) does not stop paging, so a list's older pages are
  fetched again until one pass over them completes. A later page of a list linked from elsewhere (a home page
  linking `…/djn/2.html`) is left to that list's first page when the crawl fetches it
  (`xinwen/lists/deferred`);
- each list page's watermark (newest URL date among its articles, how many were new) is kept in
  the state.

Switch: `XINWEN_INCREMENTAL_ENABLED`. `parse_when` turns `--since` / `--until` values (dates or
durations such as `7d`, `12h`) into dates.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.sites.profile import list_dir, url_key
from crawler.state import StateStore, crawl_state

CHINA_TZ = timezone(timedelta(hours=8))
LIST_PASSES_ATTR = "xinwen_list_passes"
_DURATION_RE = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_when(value: str, now: datetime | None = None) -> date:
    """A date (`2024-01-01`), a date-time, or a duration back from now (`7d`, `12h`, `1w2d`,
    `90m`) as a day in China time (UTC+8), the day the window starts or ends on."""
    text = value.strip()
    now = now or datetime.now(UTC)
    if text and _DURATION_RE.sub("", text).strip() == "":
        delta = timedelta()
        for amount, unit in _DURATION_RE.findall(text):
            delta += timedelta(**{_UNITS[unit.lower()]: int(amount)})
        return (now - delta).astimezone(CHINA_TZ).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected a date (2024-01-01) or a duration (7d, 12h), not {value!r}"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TZ)
    return moment.date()


def _callback_name(request: Request | None) -> str:
    callback = getattr(request, "callback", None)
    return getattr(callback, "__name__", "") if callback is not None else ""


class IncrementalMiddleware:
    """See the module docstring."""

    def __init__(self, crawler: Crawler, rejected_retry: timedelta | None) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.rejected_retry = rejected_retry
        self._state: StateStore | None = None
        # List folder -> URL keys of its pages this run requested / fetched.
        self.requested_lists: dict[str, set[str]] = {}
        self.fetched_lists: dict[str, set[str]] = {}
        crawler.__dict__[LIST_PASSES_ATTR] = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("XINWEN_INCREMENTAL_ENABLED", True):
            raise NotConfigured
        days = settings.getfloat("XINWEN_REJECTED_RETRY_DAYS", 7.0)
        return cls(crawler, timedelta(days=days) if days >= 0 else None)

    @property
    def state(self) -> StateStore:
        if self._state is None:
            self._state = crawl_state(self.crawler)
        return self._state

    # -- deciding ------------------------------------------------------------------------------

    def is_article_request(self, request: Request, spider: Any) -> bool:
        if request.meta.get("xinwen_pages"):  # next page of an article being assembled
            return False
        if _callback_name(request) == "parse_article":
            return True
        site = getattr(spider, "site", None)
        return bool(site is not None and site.is_article(request.url))

    def known(self, url: str) -> bool:
        return self.state.is_known(url, self.rejected_retry)

    def list_page_view(self, response: Response, spider: Any) -> bool:
        """Record a list page's watermark; True when its pagination need not be followed."""
        site = getattr(spider, "site", None)
        links = getattr(spider, "links", None)
        if site is None or links is None:
            return False
        since = getattr(spider, "since", None)
        article_links, other_links = set(), 0
        for url, _text in links(response):
            if site.is_article(url):
                article_links.add(url)
            else:
                other_links += 1
        self.stats.inc_value("xinwen/lists/links", len(article_links) + other_links)
        self.stats.inc_value("xinwen/lists/article_links", len(article_links))
        if not article_links:
            return False
        watermark = self.state.list_pass(list_dir(response.url))
        new, newest, below = 0, None, True
        for url in article_links:
            day = site.url_date(url)
            if day is not None and (newest is None or day > newest):
                newest = day
            if since is not None and day is not None and day < since:
                continue  # out of the window: not new, and paging past it finds older ones
            if not self.known(url):
                new += 1
                below = False
                continue
            known_at = self.state.known_at(url)
            if watermark is None or known_at is None or known_at > watermark:
                below = False  # known, but not by a completed pass over this list
        self.state.mark_list_page(response.url, newest.isoformat() if newest else None, new)
        return new == 0 and below

    # -- list passes -----------------------------------------------------------------------------

    def list_requested(self, request: Request) -> None:
        if _callback_name(request) == "parse_list":
            self.requested_lists.setdefault(list_dir(request.url), set()).add(url_key(request.url))

    def list_fetched(self, response: Response) -> None:
        for url in (response.url, *response.meta.get("redirect_urls", ())):
            self.fetched_lists.setdefault(list_dir(url), set()).add(url_key(url))

    def completed_lists(self) -> list[str]:
        """List folders this run paged completely: every list page it requested there was
        fetched, with no window and no page limit cutting the pass short."""
        spider = self.crawler.spider
        if any(getattr(spider, name, None) for name in ("since", "until")):
            return []
        if self.crawler.settings.get("XINWEN_REDIS_URL"):
            # A worker of a distributed crawl sees only the list pages it fetched itself; no
            # one worker can tell that a pass over a list is complete.
            return []
        if self.stats.get_value("xinwen/skipped/max_pages", 0):
            return []
        return sorted(
            folder
            for folder, fetched in self.fetched_lists.items()
            if self.requested_lists.get(folder, set()) <= fetched
        )

    def keep(self, request: Request, spider: Any, response: Response | None, stop: bool) -> bool:
        if self.is_article_request(request, spider):
            if self.known(request.url):
                self.stats.inc_value("xinwen/skipped/known")
                return False
            self.stats.inc_value("xinwen/requests/article")
            return True
        if response is None or not self.is_later_list_page(request, spider):
            self.list_requested(request)
            return True
        requested = getattr(spider, "_requested", None)
        folder = list_dir(request.url)
        if folder == list_dir(response.url):
            if not stop:
                self.list_requested(request)
                return True
            self.stats.inc_value("xinwen/lists/stopped")
        elif requested is not None and url_key(folder) in requested:
            # A later page of another list whose first page this crawl fetches: that first
            # page decides (another list's page 2 linked from a home page, say).
            self.stats.inc_value("xinwen/lists/deferred")
        else:
            self.list_requested(request)
            return True
        if requested is not None:  # the list's own pages may still ask for it
            requested.discard(url_key(request.url))
        return False

    @staticmethod
    def is_later_list_page(request: Request, spider: Any) -> bool:
        """A list request that is not a channel root (`…/djn/2.html`, not `…/djn/`)."""
        if _callback_name(request) != "parse_list":
            return False
        site = getattr(spider, "site", None)
        return site is None or not site.is_channel_root(request.url)

    def _stop_paging(self, response: Response | None, spider: Any) -> bool:
        """Whether the later pages of this list response need not be fetched."""
        if response is None or _callback_name(response.request) != "parse_list":
            return False
        self.list_fetched(response)
        return self.list_page_view(response, spider)

    # -- Scrapy hooks --------------------------------------------------------------------------

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        spider = self.crawler.spider
        stop = self._stop_paging(response, spider)
        for item in result:
            if not isinstance(item, Request) or self.keep(item, spider, response, stop):
                yield item

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        stop = self._stop_paging(response, spider)
        async for item in result:
            if not isinstance(item, Request) or self.keep(item, spider, response, stop):
                yield item

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        async for item in start:
            if not isinstance(item, Request) or self.keep(item, spider, None, False):
                yield item


def completed_lists(crawler: Crawler) -> list[str]:
    """The list folders this crawl paged completely (none without the middleware)."""
    middleware = crawler.__dict__.get(LIST_PASSES_ATTR)
    return middleware.completed_lists() if middleware is not None else []
