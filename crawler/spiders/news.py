"""The generic news spider: crawls any site profiled in `crawler/sites/<name>.toml`.

`crawler/spiders/__init__.py` makes one `NewsSpider` subclass per profile, so `xinwen crawl SITE`
and `scrapy crawl SITE` work for a new site without writing a class. On top of the list-and-article
crawl of `SiteSpider` (start channels, pagination, related articles, date window, `max_pages`),
a profile may name

- `sitemaps`: XML sitemaps, sitemap indexes (gzip or not) or a `robots.txt` whose `Sitemap:`
  lines name them; every `<loc>` that is an article URL of the profile is requested, nested
  sitemaps on the site are followed, and an entry whose `<lastmod>` is before `-a since=` is
  skipped;
- `feeds`: RSS 2.0 / RSS 1.0 (RDF) / Atom feeds; every item link that is an article URL of the
  profile is requested.

Sitemaps and feeds are crawled in addition to the start channels; `-a channels=` naming only
`sitemaps` or `feeds` (or both) crawls those alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

from parsel import Selector
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.spiders.base import SiteSpider

logger = logging.getLogger(__name__)

# `-a channels=` names that mean "the profile's sitemaps / feeds" rather than a start page.
SITEMAPS, FEEDS = "sitemaps", "feeds"
# Item links of RSS 2.0, RSS 1.0 (RDF) and Atom feeds (namespaces removed before matching).
FEED_LINK_XPATHS = (
    "//item/link/text()",
    "//item/guid[not(@isPermaLink='false')]/text()",
    "//entry/link[not(@rel) or @rel='alternate']/@href",
)
SITEMAP_MAX_SIZE = 50 * 1024 * 1024  # the sitemap protocol's limit, uncompressed


def lastmod_day(value: str | None) -> date | None:
    """The day of a sitemap `<lastmod>` (W3C datetime: `2022-01-20`, `2022-01-20T08:30:00+08:00`)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def feed_links(body: bytes | str) -> list[str]:
    """Item links of an RSS or Atom feed, in feed order, without repeats."""
    selector = (
        Selector(body=body, type="xml")
        if isinstance(body, bytes)
        else Selector(text=body, type="xml")
    )
    selector.remove_namespaces()
    links: list[str] = []
    for query in FEED_LINK_XPATHS:
        for value in selector.xpath(query).getall():
            value = value.strip()
            if value and value not in links:
                links.append(value)
    return links


def sitemap_body(response: Response) -> bytes | None:
    """The XML of a sitemap response: gunzipped when the bytes are gzip, None when too big."""
    if gzip_magic_number(response):
        try:
            return gunzip(response.body, max_size=SITEMAP_MAX_SIZE)
        except ValueError:  # _DecompressionMaxSizeExceeded subclasses ValueError
            return None
    return response.body


class NewsSpider(SiteSpider):
    """A list, sitemap and feed crawl of the site named by `site_name` (its TOML profile)."""

    def __init__(self, channels: str | None = None, *args: Any, **kwargs: Any) -> None:
        names = [part.strip() for part in (channels or "").split(",") if part.strip()]
        self.use_sitemaps = not names or SITEMAPS in names
        self.use_feeds = not names or FEEDS in names
        rest = [name for name in names if name not in (SITEMAPS, FEEDS)]
        only_special = bool(names) and not rest
        super().__init__(",".join(rest) or None, *args, **kwargs)
        if only_special:
            self.start_urls = []

    async def start(self) -> AsyncIterator[Any]:
        if self.use_sitemaps:
            for url in self.site.sitemaps:
                request = self._request(url, self.parse_sitemap)
                if request is not None:
                    yield request
        if self.use_feeds:
            for url in self.site.feeds:
                request = self._request(url, self.parse_feed)
                if request is not None:
                    yield request
        async for request in super().start():
            yield request

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap, a sitemap index or a robots.txt: article URLs and nested sitemaps."""
        self._stat("pages/sitemap")
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                if self.site.on_site(url):
                    request = self._request(url, self.parse_sitemap)
                    if request is not None:
                        yield request
            return
        body = sitemap_body(response)
        try:
            sitemap = Sitemap(body) if body else None
        except Exception:  # lxml refuses what is not XML
            sitemap = None
        if sitemap is None or sitemap.type not in ("urlset", "sitemapindex"):
            logger.warning("Not a sitemap: %s", response.url)
            self._stat("skipped/not_a_sitemap")
            return
        for entry in sitemap:
            url = (entry.get("loc") or "").strip()
            if not url or not self.site.on_site(url):
                continue
            modified = lastmod_day(entry.get("lastmod"))
            if modified and self.since and modified < self.since:
                self._stat("skipped/out_of_window")
                continue
            if sitemap.type == "sitemapindex":
                request = self._request(url, self.parse_sitemap)
            elif self.site.is_article(url):
                request = self.article_request(url)
            else:
                continue
            if request is not None:
                yield request

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """An RSS or Atom feed: its article links."""
        self._stat("pages/feed")
        try:
            links = feed_links(response.body)
        except ValueError:
            links = []
        for link in links:
            url = response.urljoin(link)
            if self.site.on_site(url) and self.site.is_article(url):
                request = self.article_request(url)
                if request is not None:
                    yield request


__all__ = ["FEEDS", "SITEMAPS", "NewsSpider", "feed_links", "lastmod_day", "sitemap_body"]
