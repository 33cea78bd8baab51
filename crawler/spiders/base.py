"""SiteSpider, the base of every spider: a list-and-article crawl of one site profile.

Crawl strategy only: the URLs it knows come from the profile (`crawler/sites/NAME.toml`), and
what a page says comes from `crawler.extract.extract`. Arguments (`-a NAME=VALUE`):

- `channels`: comma-separated channel names from the TOML (`news,finance`) or start URLs;
- `max_pages`: request at most this many pages (start pages, list pages and articles);
- `since` / `until`: a date window (`2024-01-01`, both ends included); articles whose URL date
  (or, once fetched, published date) falls outside are skipped.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from crawler.crawl.extraction import ExtractionPool, default_processes
from crawler.crawl.render import RenderPolicy
from crawler.crawl.seen import SeenKeys
from crawler.extract import ParseError, merge_pages
from crawler.extract.budget import DEFAULT_BUDGET_SECONDS
from crawler.extract.links import page_links
from crawler.extract.pagination import MAX_PAGES as PAGINATION_MAX_PAGES
from crawler.sites.profile import SiteConfig, list_dir, url_key
from pipelines.quarantine import RejectedPage

CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
ARTICLE_PRIORITY = 10
MAX_ARTICLE_PAGES = PAGINATION_MAX_PAGES  # a pager that never ends is a bug, not an article

# Offline mode (`XINWEN_OFFLINE_ENABLED`) serves pages from a loopback mirror: no need to wait.
OFFLINE_SETTINGS = {"AUTOTHROTTLE_START_DELAY": 0.0, "DOWNLOAD_DELAY": 0.0}


def parse_day(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a date like 2024-01-01, not {value!r}") from None


def http_charset(response: Response) -> str | None:
    """The charset of the Content-Type header, as sent."""
    header = response.headers.get("Content-Type")
    if not header:
        return None
    match = CHARSET_RE.search(header.decode("latin-1"))
    return match.group(1) if match else None


def published_range(
    published_at: str | None, precision: str | None = None
) -> tuple[date, date] | None:
    """The days a published_at value may mean: one day, or a whole month / year for a date
    printed that coarsely (`2022-04`, `2022`; schema 2: `published_precision` "month")."""
    if not published_at:
        return None
    text = published_at[:7] if precision == "month" else published_at[:10]
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day, day
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
            return date(year, month, 1), date.fromordinal(last)
        if len(text) == 4:
            return date(int(text), 1, 1), date(int(text), 12, 31)
    except ValueError:
        return None
    return None


class SiteSpider(scrapy.Spider):
    """A list-and-article crawl driven by `crawler/sites/<site_name>.toml`."""

    site_name: str = ""

    def __init__(
        self,
        channels: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        until: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site = SiteConfig.load(self.site_name or self.name)
        self.allowed_domains = list(self.site.allowed_domains)
        self.start_urls = self.site.start_urls(channels)
        try:
            self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        except ValueError:
            raise ValueError(f"max_pages must be a whole number, not {max_pages!r}") from None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.since = parse_day(since, "since")
        self.until = parse_day(until, "until")
        if self.since and self.until and self.since > self.until:
            raise ValueError("since is after until")
        # The URL keys requested so far: a set without a Python object per URL (crawler/seen.py).
        self._requested = SeenKeys()
        self._extraction: ExtractionPool | None = None
        self._render: RenderPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Built once the settings are final (addons applied): says at the start what it does.
        crawler.signals.connect(lambda: spider.render, signal=signals.spider_opened, weak=False)
        return spider

    @property
    def render(self) -> RenderPolicy:
        """When pages go to the browser (crawler/crawl/render.py)."""
        if self._render is None:
            self._render = RenderPolicy.from_crawler(self.crawler, self.site.render)
        return self._render

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if settings.getbool("XINWEN_OFFLINE_ENABLED"):
            settings.setdict(OFFLINE_SETTINGS, priority="spider")

    # -- requests ------------------------------------------------------------------------------

    def _stat(self, key: str) -> None:
        self.crawler.stats.inc_value(f"xinwen/{key}")

    def _request(
        self, url: str, callback, priority: int = 0, meta: dict | None = None
    ) -> scrapy.Request | None:
        """A request for a page not requested before, within max_pages."""
        key = url_key(url)
        if key in self._requested:
            return None
        if self.max_pages is not None and len(self._requested) >= self.max_pages:
            self._stat("skipped/max_pages")
            return None
        self._requested.add(key)
        return scrapy.Request(url, callback=callback, priority=priority, meta=meta)

    def in_window(self, day: date | None, until_day: date | None = None) -> bool:
        if day is None:
            return True
        last = until_day or day
        if self.since and last < self.since:
            return False
        return not (self.until and day > self.until)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            request = self._request(url, self.parse_list, meta={"xinwen_start": True})
            if request is not None:
                yield request

    def links(self, response: Response) -> Iterator[tuple[str, str]]:
        """(absolute URL without fragment, anchor text) of every followable on-site link."""
        if not isinstance(response, TextResponse):
            return
        found, malformed = page_links(response.selector.root, response.url)
        yield from self.on_site_links(found, malformed)

    def on_site_links(
        self, found: list[tuple[str, str]], malformed: int
    ) -> Iterator[tuple[str, str]]:
        for _ in range(malformed):
            self._stat("skipped/malformed_link")
        for url, text in found:
            if self.site.on_site(url):
                yield url, text

    def article_request(self, url: str) -> scrapy.Request | None:
        if not self.in_window(self.site.url_date(url)):
            self._stat("skipped/out_of_window")
            return None
        request = self._request(url, self.parse_article, priority=ARTICLE_PRIORITY)
        meta = self.render.direct_meta(url) if request is not None else {}
        if meta:
            request = request.replace(errback=self.render_failed)
            request.meta.update(meta)
        return request

    def render_failed(self, failure) -> Iterator[Any]:
        """A page the browser could not render (after one retry): quarantined with the reason."""
        rejected = self.render.rejection(failure)
        if rejected is not None:
            yield rejected

    # -- callbacks -------------------------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A channel or list page: follow its articles and its own pagination (and, on a start
        page when the site says so, the channel lists it links)."""
        self._stat("pages/list")
        channels = self.site.follow_channels and response.meta.get("xinwen_start", False)
        articles = 0
        for url, text in self.links(response):
            request = None
            if self.site.is_article(url):
                articles += 1
                request = self.article_request(url)
            elif self.is_pagination(url, text, response.url) or (
                channels and self.site.is_channel_root(url)
            ):
                request = self._request(url, self.parse_list)
            if request is not None:
                yield request
        why = self.render.list_reason(response, articles)
        if why is not None:
            yield self.render.again(response, why, self.parse_list, self.render_failed)

    def is_pagination(self, url: str, text: str, list_url: str) -> bool:
        """A next-page link, or another numbered list page in the folder of the list page being
        read (decided from the page itself, so every worker of a distributed crawl agrees)."""
        if text in self.site.next_page_texts:
            return True
        return (
            self.site.is_list(url)
            and list_dir(url) == list_dir(list_url)
            and url_key(url) != (url_key(list_dir(url)))
        )

    @property
    def extraction(self) -> ExtractionPool:
        """Where pages are extracted: worker processes (`XINWEN_EXTRACT_PROCESSES`, default one
        per core beyond the first) or inline (0)."""
        if self._extraction is None:
            processes = self.settings.getint("XINWEN_EXTRACT_PROCESSES", -1)
            self._extraction = ExtractionPool(
                default_processes() if processes < 0 else processes,
                self.settings.getfloat("XINWEN_PAGE_TIME_BUDGET", DEFAULT_BUDGET_SECONDS),
            )
            self.crawler.signals.connect(self._extraction.close, signal=signals.spider_closed)
        return self._extraction

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        """An article page: one record (or a rejected page), then related article links. An
        article split over several pages is fetched page by page and merged into one record."""
        self._stat("pages/article")
        pages: list[dict] = response.meta.get("xinwen_pages", [])
        try:
            fields, next_url, (found, malformed) = await self.extraction.extract(
                response.body, response.url, http_charset(response)
            )
        except ParseError as exc:
            if pages:  # a later page failed: keep what the earlier pages said
                self._stat("multipage/incomplete")
                for record in self.article_record(merge_pages(pages)):
                    yield record
            yield RejectedPage(response.url, exc.reason, [exc.detail] if exc.detail else [])
            return
        why = None if pages else self.render.article_reason(response, fields)
        if why is not None:
            yield self.render.again(response, why, self.parse_article, self.render_failed)
            return
        fields["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        pages = [*pages, fields]
        seen = {page["url"] for page in pages}
        if next_url and next_url not in seen and len(pages) < MAX_ARTICLE_PAGES:
            self._stat("multipage/followed")
            yield scrapy.Request(
                next_url,
                callback=self.parse_article,
                errback=self.article_page_failed,
                priority=ARTICLE_PRIORITY + 1,
                meta={"xinwen_pages": pages},
            )
        else:
            for record in self.article_record(merge_pages(pages)):
                yield record
        for url, _text in self.on_site_links(found, malformed):
            if self.site.is_article(url):
                request = self.article_request(url)
                if request is not None:
                    yield request

    def article_record(self, fields: dict) -> Iterator[dict]:
        days = published_range(fields.get("published_at"), fields.get("published_precision"))
        if days and not self.in_window(*days):
            self._stat("skipped/out_of_window")
        else:
            yield fields

    def article_page_failed(self, failure) -> Iterator[dict]:
        """A later page of a multi-page article could not be fetched: the earlier pages still
        make a record (counted as incomplete)."""
        pages = failure.request.meta.get("xinwen_pages", [])
        if pages:
            self._stat("multipage/incomplete")
            yield from self.article_record(merge_pages(pages))
