"""Downloader middlewares."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.crawl.mirror import MirrorServer
from crawler.crawl.safety import allow_endpoint

logger = logging.getLogger(__name__)


class OfflineMirrorMiddleware:
    """Offline mode (`XINWEN_OFFLINE_ENABLED`): send every request through the loopback mirror.

    Starts a `crawler.crawl.mirror.MirrorServer` for `fixtures/<site>/` (`XINWEN_MIRROR_SITE`, default
    the spider's name) when the crawl is set up, unless `XINWEN_MIRROR_PROXY` names one already
    running, and stops it when the spider closes. A missing mirror fails the crawl at start-up.
    Each request gets `meta["proxy"]` so Scrapy's own downloader, robots.txt handling, retries and
    pipelines run unchanged while the URLs stay the original ones. https:// URLs cannot be
    mirrored and are ignored; the mirror answers 404 for anything it does not hold.
    """

    def __init__(self, crawler: Crawler, proxy_url: str | None, root: str | None) -> None:
        self.crawler = crawler
        self.proxy_url = proxy_url
        self.root = root
        self.server: MirrorServer | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OfflineMirrorMiddleware:
        settings = crawler.settings
        if not settings.getbool("XINWEN_OFFLINE_ENABLED"):
            raise NotConfigured
        mw = cls(crawler, settings.get("XINWEN_MIRROR_PROXY"), settings.get("XINWEN_MIRROR_ROOT"))
        if mw.proxy_url is None:
            site = settings.get("XINWEN_MIRROR_SITE") or crawler.spider.name
            mw.server = MirrorServer.for_site(site, mw.root).start()
            mw.proxy_url = mw.server.proxy_url
        proxy = urlsplit(mw.proxy_url)
        allow_endpoint(crawler, proxy.hostname or "", proxy.port)
        logger.info("offline mode: every request goes to the mirror at %s", mw.proxy_url)
        crawler.signals.connect(mw.stop, signal=signals.spider_closed)
        crawler.signals.connect(mw.stop, signal=signals.engine_stopped)
        return mw

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def process_request(self, request: Request) -> None:
        if urlsplit(request.url).scheme != "http" or not self.proxy_url:
            self.crawler.stats.inc_value("xinwen/offline/ignored_non_http")
            raise IgnoreRequest(f"offline mode mirrors http:// URLs only: {request.url}")
        request.meta["proxy"] = self.proxy_url
        return None


# Scrapy looks for a meta refresh in the first 4,096 characters; in an ASCII-compatible
# encoding (UTF-8, GBK, GB18030, Big5 …) they lie within the first 4 × 4,096 bytes.
META_REFRESH_HEAD_BYTES = 4 * 4096


class LazyMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, without decoding every page to look for one.

    Scrapy's middleware decodes each HTML response whole (`response.text`) to read its first
    4,096 characters, in the crawl process, and the decoded copy stays with the response while
    it waits for extraction. A page whose first bytes do not contain `refresh` (as ASCII, or
    in an encoding with NUL bytes such as UTF-16) has no meta refresh to follow."""

    def process_response(self, request: Request, response: Response, spider=None):
        head = response.body[:META_REFRESH_HEAD_BYTES]
        if b"\x00" not in head and b"refresh" not in head.lower():
            return response
        return super().process_response(request, response)
