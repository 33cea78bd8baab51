"""Crawl-level extensions: the end-of-crawl summary and a log formatter that keeps logs short."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter

logger = logging.getLogger(__name__)

# Fields whose presence the summary reports (share of written records having a non-empty value).
SUMMARY_FIELDS = (
    "title",
    "subtitle",
    "published_at",
    "source",
    "reporters",
    "editors",
    "keywords",
    "section",
    "images",
    "duplicate_of",
)

# Finish reasons that mean the crawl stopped as asked, not that it broke.
NORMAL_FINISH = (
    "finished",
    "closespider_pagecount",
    "closespider_itemcount",
    "closespider_timeout",
)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def crawl_failed(stats: dict[str, Any]) -> str | None:
    """Why a crawl counts as failed (for the exit status), or None when it went well."""
    reason = stats.get("finish_reason")
    if reason is None:
        return "the crawl did not finish"
    if reason not in NORMAL_FINISH:
        return f"finish reason {reason}"
    if stats.get("log_count/CRITICAL", 0) or stats.get("log_count/ERROR", 0):
        n = stats.get("log_count/CRITICAL", 0) + stats.get("log_count/ERROR", 0)
        return f"{n} error(s) logged"
    if not stats.get("response_received_count", 0):
        return "no page could be fetched"
    return None


class CrawlSummary:
    """At spider close: pages fetched, records written, rejected by reason, duplicates and the
    share of records having each field. Logged (unless `XINWEN_SUMMARY_LOG` is off: the CLI
    prints it itself), kept in `self.summary` and written as JSON to `XINWEN_SUMMARY_PATH` when
    set. Switch: `XINWEN_SUMMARY_ENABLED`."""

    def __init__(self, crawler: Crawler, path: str | None, log: bool = True) -> None:
        self.crawler = crawler
        self.path = Path(path) if path else None
        self.log = log
        self.records = 0
        self.present: Counter[str] = Counter()
        self.summary: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        if not crawler.settings.getbool("XINWEN_SUMMARY_ENABLED", True):
            raise NotConfigured
        settings = crawler.settings
        ext = cls(
            crawler,
            settings.get("XINWEN_SUMMARY_PATH"),
            settings.getbool("XINWEN_SUMMARY_LOG", True),
        )
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        self.records += 1
        for name in SUMMARY_FIELDS:
            if _present(item.get(name)):
                self.present[name] += 1

    def build(self, reason: str | None = None) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        prefix_rejected, prefix_duplicates = "xinwen/rejected/", "xinwen/duplicates/"
        rejected = {
            k[len(prefix_rejected) :]: v for k, v in stats.items() if k.startswith(prefix_rejected)
        }
        duplicates = {
            k[len(prefix_duplicates) :]: v
            for k, v in stats.items()
            if k.startswith(prefix_duplicates)
        }
        pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
        return {
            "spider": self.crawler.spider.name if self.crawler.spider else None,
            "finish_reason": reason or stats.get("finish_reason"),
            "pages_fetched": pages,
            "records_written": self.records,
            "rejected": sum(rejected.values()),
            "rejected_by_reason": dict(sorted(rejected.items())),
            "duplicates": sum(duplicates.values()),
            "duplicates_by_kind": dict(sorted(duplicates.items())),
            "skipped_out_of_window": stats.get("xinwen/skipped/out_of_window", 0),
            "errors_logged": stats.get("log_count/ERROR", 0) + stats.get("log_count/CRITICAL", 0),
            "field_share": {
                name: round(self.present[name] / self.records, 3) if self.records else 0.0
                for name in SUMMARY_FIELDS
            },
        }

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.summary = self.build(reason)
        if self.log:
            logger.info("crawl summary:\n%s", format_summary(self.summary))
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(
                json.dumps(self.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a few aligned lines of text."""

    def breakdown(counts: dict[str, int]) -> str:
        return f"  ({', '.join(f'{k}: {v}' for k, v in counts.items())})" if counts else ""

    shares = ", ".join(f"{name} {share:.0%}" for name, share in summary["field_share"].items())
    lines = [
        f"crawl {summary['spider']}: {summary['finish_reason']}",
        f"  pages fetched    {summary['pages_fetched']}",
        f"  records written  {summary['records_written']}",
        f"  rejected         {summary['rejected']}{breakdown(summary['rejected_by_reason'])}",
        f"  duplicates       {summary['duplicates']}{breakdown(summary['duplicates_by_kind'])}",
    ]
    if summary.get("skipped_out_of_window"):
        lines.append(f"  out of window    {summary['skipped_out_of_window']}")
    if summary.get("errors_logged"):
        lines.append(f"  errors logged    {summary['errors_logged']}")
    lines.append(f"  field share      {shares}")
    return "\n".join(lines)


def _item_label(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("url"))
    return str(getattr(item, "url", item))


class ShortLogFormatter(LogFormatter):
    """Like Scrapy's, but scraped and dropped items are logged by URL, not in full."""

    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        result["args"]["item"] = _item_label(item)
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        return result
