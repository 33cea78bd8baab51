"""Exact duplicates: the same canonical URL, or the same body fingerprint on another URL.

The pipeline asks a `SeenStore` whether a record was seen before; the store is chosen by
`XINWEN_SEEN_STORE` (an import path), so a persistent store (SQLite, shared across runs) can
replace the in-memory one without touching the pipeline.
"""

from __future__ import annotations

from typing import Any, Protocol

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object


class SeenStore(Protocol):
    """What the duplicates pipeline needs to remember about records already written."""

    def url_seen(self, canonical_url: str) -> bool:
        """Whether a record with this canonical URL was kept before."""
        ...

    def fingerprint_owner(self, fingerprint: str) -> str | None:
        """The canonical URL of the kept record with this body fingerprint, if any."""
        ...

    def add(self, canonical_url: str, fingerprint: str) -> None:
        """Remember a kept record."""
        ...

    def close(self) -> None: ...


class MemorySeenStore:
    """Seen records of this crawl only, in memory."""

    def __init__(self) -> None:
        self._urls: set[str] = set()
        self._fingerprints: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemorySeenStore:
        return cls()

    def url_seen(self, canonical_url: str) -> bool:
        return canonical_url in self._urls

    def fingerprint_owner(self, fingerprint: str) -> str | None:
        return self._fingerprints.get(fingerprint)

    def add(self, canonical_url: str, fingerprint: str) -> None:
        self._urls.add(canonical_url)
        self._fingerprints.setdefault(fingerprint, canonical_url)

    def close(self) -> None:
        pass


def duplicate_kind(store: SeenStore, record: dict[str, Any]) -> str | None:
    """`canonical_url` or `fingerprint` when the record repeats a kept one, else None."""
    canonical_url = record["canonical_url"]
    if store.url_seen(canonical_url):
        return "canonical_url"
    owner = store.fingerprint_owner(record["fingerprint"])
    if owner is not None and owner != canonical_url:
        return "fingerprint"
    return None


class DuplicatesPipeline:
    """Drop exact duplicates and count them under `xinwen/duplicates/<canonical_url|fingerprint>`.
    Runs after validation, so items are validated record dicts."""

    def __init__(self, crawler: Crawler, store: SeenStore) -> None:
        self.stats = crawler.stats
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicatesPipeline:
        settings = crawler.settings
        if not settings.getbool("XINWEN_DUPLICATES_ENABLED", True):
            raise NotConfigured
        store_class = load_object(settings.get("XINWEN_SEEN_STORE", MemorySeenStore))
        return cls(crawler, build_from_crawler(store_class, crawler))

    def close_spider(self) -> None:
        self.store.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        kind = duplicate_kind(self.store, item)
        if kind is not None:
            self.stats.inc_value(f"xinwen/duplicates/{kind}")
            self.stats.inc_value("xinwen/duplicates_count")
            raise DropItem(f"duplicate ({kind}): {item['url']}", log_level="INFO")
        self.store.add(item["canonical_url"], item["fingerprint"])
        return item
