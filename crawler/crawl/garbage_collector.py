"""Python's cyclic garbage collector, tuned for the length of a crawl.

A crawl process holds a large heap that never changes once the crawl starts (Scrapy, Twisted,
lxml, pydantic, Playwright's client, the site profiles: about 100,000 objects), and makes
hundreds of short-lived objects per page (a page's requests, Deferreds, coroutines, tasks). With
Python's default thresholds (700, 10, 10) the collector runs about every two pages, and every
few hundred pages a full collection walks the whole start-up heap again: measured on the
2,000-page benchmark crawl, 12 % of the crawl process's CPU, in stalls of up to 140 ms.

At spider open the heap is collected once and frozen (`gc.freeze`: moved to a generation the
collector does not walk), and the young generation's threshold is raised
(`XINWEN_GC_THRESHOLD`, default 10,000 allocations), so that most of a page's objects are freed
by reference counting before a collection looks at them. Cycles are still collected, only less
often. At spider close the collector is given back as it was. Switch: `XINWEN_GC_TUNING`.
"""

from __future__ import annotations

import gc
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

DEFAULT_THRESHOLD = 10_000

# Crawls running in this process that tuned the collector, and the thresholds found before the
# first of them: the last one to close gives them back.
_open_crawls = 0
_saved_threshold: tuple[int, int, int] | None = None


class GarbageCollectorTuning:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.tuned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GarbageCollectorTuning:
        settings = crawler.settings
        if not settings.getbool("XINWEN_GC_TUNING", True):
            raise NotConfigured
        threshold = settings.getint("XINWEN_GC_THRESHOLD", DEFAULT_THRESHOLD)
        if threshold <= 0:
            raise NotConfigured("XINWEN_GC_THRESHOLD must be a positive number of allocations")
        ext = cls(threshold)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        global _open_crawls, _saved_threshold
        if self.tuned:
            return
        self.tuned = True
        _open_crawls += 1
        if _open_crawls > 1:
            return
        _saved_threshold = gc.get_threshold()
        gc.collect()  # what is garbage now is freed, not frozen for the whole crawl
        gc.freeze()
        gc.set_threshold(max(self.threshold, _saved_threshold[0]), *_saved_threshold[1:])

    def spider_closed(self, spider: Any) -> None:
        global _open_crawls, _saved_threshold
        if not self.tuned:
            return
        self.tuned = False
        _open_crawls -= 1
        if _open_crawls > 0 or _saved_threshold is None:
            return
        gc.set_threshold(*_saved_threshold)
        _saved_threshold = None
        gc.unfreeze()
