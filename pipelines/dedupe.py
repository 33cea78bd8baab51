"""Duplicates and republished articles, against everything the crawl state has seen.

- the same `canonical_url` as a record already written (this run or an earlier one): dropped,
  counted as `xinwen/duplicates/canonical_url`;
- the same body `fingerprint` under another canonical URL, or a body within
  `XINWEN_NEAR_DUPLICATE_DISTANCE` bits of SimHash distance (character 3-shingles, see
  `crawler.state.body_simhash`) of a seen one — a story republished on another URL or site,
  give or take a dateline or a footer: **kept**, with `duplicate_of` set to the canonical URL of
  the first record of that story, counted as `xinwen/republished/<fingerprint|near>`.

The seen records live in the crawl's SQLite state (`crawler.state.crawl_state`): persistent
across runs with `XINWEN_STATE_PATH`, in memory otherwise; a record counts as seen once its line
is durably written (`pipelines.export`), and until then it waits in the store's small `pending`
map so that a duplicate within the same run is still recognised.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.state import StateStore, body_simhash, crawl_state


def duplicate_of(state: StateStore, record: dict[str, Any], simhash: int) -> tuple[str, str] | None:
    """(kind, canonical URL of the first record) when the body repeats a seen one, else None.
    kind: `fingerprint` (same normalised body) or `near` (SimHash within the distance)."""
    canonical_url = record["canonical_url"]
    fingerprint = record.get("fingerprint") or ""
    owner = state.find_fingerprint(fingerprint) or state.pending_fingerprint(fingerprint)
    if owner is not None and owner != canonical_url:
        return "fingerprint", state.duplicate_root(owner)
    owner = state.find_near_duplicate(simhash) or state.pending_near_duplicate(simhash)
    if owner is not None and owner != canonical_url:
        return "near", state.duplicate_root(owner)
    return None


class DuplicatesPipeline:
    """Drop records whose canonical URL was written before; mark republished bodies with
    `duplicate_of`. Runs after validation, so items are validated record dicts.
    Switch: `XINWEN_DUPLICATES_ENABLED`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._state: StateStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicatesPipeline:
        if not crawler.settings.getbool("XINWEN_DUPLICATES_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    @property
    def state(self) -> StateStore:
        if self._state is None:
            self._state = crawl_state(self.crawler)
        return self._state

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        canonical_url = item["canonical_url"]
        if canonical_url in state.pending or state.has_url(canonical_url):
            self.stats.inc_value("xinwen/duplicates/canonical_url")
            self.stats.inc_value("xinwen/duplicates_count")
            raise DropItem(f"duplicate (canonical_url): {item['url']}", log_level="INFO")
        simhash = body_simhash(item.get("body") or "")
        found = duplicate_of(state, item, simhash)
        if found is not None:
            kind, first = found
            item["duplicate_of"] = first
            self.stats.inc_value(f"xinwen/republished/{kind}")
            self.stats.inc_value("xinwen/republished_count")
        state.add_pending(
            canonical_url, item.get("fingerprint") or "", simhash, item.get("duplicate_of")
        )
        return item
