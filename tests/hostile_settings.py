"""Settings module for crawls against the hostile loopback server (`tests/hostile.py`).

`SCRAPY_SETTINGS_MODULE=tests.hostile_settings xinwen crawl hostile ...` runs the project's own
settings plus: the `hostile` spider below, and a DNS resolver that answers a few made-up names
(`news.hostile.test` → 127.0.0.1, `meta.hostile.test` → 169.254.169.254) so the private-address
guard can be tested after DNS without touching real DNS.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

from crawler.settings import *  # noqa: F403
from crawler.sites.profile import ArticlePattern, SiteConfig
from crawler.spiders.hnr import HnrSpider
from tests.hostile import FAKE_ADDRESSES

SPIDER_MODULES = ["tests.hostile_settings"]
TWISTED_DNS_RESOLVER = "tests.hostile_settings.HostileResolver"

HOSTILE_SITE = SiteConfig(
    name="hostile",
    allowed_domains=["hostile.test", "127.0.0.1", "169.254.169.254"],
    channels={},
    default_channels=[],
    article_patterns=[ArticlePattern("test", re.compile(r"https?://[^/\s]+/a/\d{8}/[^/?#\s]+"))],
    list_pattern=re.compile(r"https?://[^/\s]+/list/(?:\d+\.html)?"),
)


class HostileResolver(CachingThreadedResolver):
    """Made-up names resolve to the addresses of `FAKE_ADDRESSES`; others as usual."""

    def getHostByName(self, name: str, timeout: Any = None):
        if name in FAKE_ADDRESSES:
            return defer.succeed(FAKE_ADDRESSES[name])
        return super().getHostByName(name, timeout)


class HostileSpider(HnrSpider):
    """The hnr spider's crawl strategy on the loopback site (`-a channels=URL`)."""

    name = "hostile"

    def __init__(self, channels: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(channels or "http://news.hostile.test/list/", *args, **kwargs)
        self.site = HOSTILE_SITE
        self.allowed_domains = list(HOSTILE_SITE.allowed_domains)
        self.start_urls = HOSTILE_SITE.start_urls(channels or "http://news.hostile.test/list/")

    async def parse_article(self, response):
        if response.url.endswith("/bug.html"):
            raise RuntimeError("simulated parser bug\nwith a second line")
        async for output in super().parse_article(response):
            yield output
