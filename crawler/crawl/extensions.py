"""Crawl-level extensions: the end-of-crawl summary, the run recorder (crawl state history,
recovery of outputs after a kill, the run manifest) and a log formatter that keeps logs short."""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter

from crawler.crawl.incremental import completed_lists
from crawler.state import FATAL_STAT, StateError, crawl_state
from pipelines.export import (
    DURABLE_STORAGES_ATTR,
    RUNS_DIR,
    commit_all,
    durable_feeds,
    prepare_outputs,
    recover_outputs,
)
from pipelines.quarantine import quarantine_path

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


def _download_failures(stats: dict[str, Any]) -> tuple[int, int]:
    """(pages that could not be fetched, of which answered with an HTTP error status). From
    `crawler.crawl.failures` (`xinwen/failed/<reason>`, parser errors left out) when it runs, else
    from Scrapy's retry and HTTP-error counters."""
    failed = {
        k[len("xinwen/failed/") :]: v
        for k, v in stats.items()
        if k.startswith("xinwen/failed/") and k != "xinwen/failed/parser error"
    }
    if failed:
        http = sum(v for k, v in failed.items() if k.startswith("http "))
        return sum(failed.values()), http
    http = stats.get("httperror/response_ignored_count", 0)
    return stats.get("retry/max_reached", 0) + http, http


def crawl_failed(stats: dict[str, Any]) -> str | None:
    """Why a crawl counts as failed (for the exit status), or None when it went well.

    Failed: it did not finish or stopped for another reason than a limit it was given; nothing
    could be fetched; most pages errored (download failures and HTTP errors against the pages
    fetched); list pages had links but none of them was an article (the site changed under the
    patterns); an error was logged that is not a page's download failure. A run that finds
    nothing new has not failed."""
    if stats.get(FATAL_STAT):
        return str(stats[FATAL_STAT])
    reason = stats.get("finish_reason")
    if reason is None:
        return "the crawl did not finish"
    if reason not in NORMAL_FINISH:
        return f"finish reason {reason}"
    pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
    # A worker that joined a distributed crawl already complete had nothing to fetch.
    if pages <= 0 and not stats.get("xinwen/redis/joined_complete_crawl"):
        return "no page could be fetched"
    failures, answered = _download_failures(stats)
    attempted = pages + failures - answered  # an HTTP error status was a page fetched too
    if failures and failures * 2 > attempted:
        return f"most pages errored ({failures} of {attempted})"
    if stats.get("xinwen/lists/links", 0) and not stats.get("xinwen/lists/article_links", 0):
        return (
            f"list pages had {stats['xinwen/lists/links']} links but none was an article"
            " (have the site's URL patterns changed?)"
        )
    if "xinwen/errors/other" in stats:  # counted by RunRecorder: download failures left out
        errors = stats["xinwen/errors/other"]
    else:
        errors = stats.get("log_count/CRITICAL", 0) + stats.get("log_count/ERROR", 0)
    if errors > 0:
        return f"{errors} error(s) logged"
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
        rejected = _by_prefix(stats, "xinwen/rejected/")
        duplicates = _by_prefix(stats, "xinwen/duplicates/")
        republished = _by_prefix(stats, "xinwen/republished/")
        pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
        return {
            "spider": self.crawler.spider.name if self.crawler.spider else None,
            "finish_reason": reason or stats.get("finish_reason"),
            "pages_fetched": pages,
            "records_written": durable_records(self.crawler, self.records),
            "rejected": sum(rejected.values()),
            "rejected_by_reason": dict(sorted(rejected.items())),
            "duplicates": sum(duplicates.values()),
            "duplicates_by_kind": dict(sorted(duplicates.items())),
            "republished": sum(republished.values()),
            "republished_by_kind": dict(sorted(republished.items())),
            "skipped_known": stats.get("xinwen/skipped/known", 0),
            "lists_stopped": stats.get("xinwen/lists/stopped", 0),
            "skipped_out_of_window": stats.get("xinwen/skipped/out_of_window", 0),
            "errors_logged": stats.get("log_count/ERROR", 0) + stats.get("log_count/CRITICAL", 0),
            "field_share": {
                name: round(self.present[name] / self.records, 3) if self.records else 0.0
                for name in SUMMARY_FIELDS
            },
        }

    def spider_closed(self, spider: Any, reason: str) -> None:
        commit_all(self.crawler)  # count what is on disk
        self.summary = self.build(reason)
        if self.log:
            logger.info("crawl summary:\n%s", format_summary(self.summary))
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(
                json.dumps(self.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )


def _by_prefix(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return dict(sorted((k[len(prefix) :], v) for k, v in stats.items() if k.startswith(prefix)))


def format_summary(summary: dict[str, Any], failed: bool = False) -> str:
    """The summary as a few aligned lines of text; `failed`: the caller names the cause after
    it, so the first line does not say "finished"."""

    def breakdown(counts: dict[str, int]) -> str:
        return f"  ({', '.join(f'{k}: {v}' for k, v in counts.items())})" if counts else ""

    shares = ", ".join(f"{name} {share:.0%}" for name, share in summary["field_share"].items())
    lines = [
        f"crawl {summary['spider']}: {'failed' if failed else summary['finish_reason']}",
        f"  pages fetched    {summary['pages_fetched']}",
        f"  records written  {summary['records_written']}",
        f"  rejected         {summary['rejected']}{breakdown(summary['rejected_by_reason'])}",
        f"  duplicates       {summary['duplicates']}{breakdown(summary['duplicates_by_kind'])}",
    ]
    if summary.get("republished"):
        lines.append(
            f"  republished      {summary['republished']}"
            f"{breakdown(summary['republished_by_kind'])}  (kept, duplicate_of set)"
        )
    if summary.get("skipped_known") or summary.get("lists_stopped"):
        lines.append(
            f"  already known    {summary.get('skipped_known', 0)} articles not requested,"
            f" {summary.get('lists_stopped', 0)} list pages not followed"
        )
    if summary.get("skipped_out_of_window"):
        lines.append(
            f"  out of window    {summary['skipped_out_of_window']} of"
            f" {summary['pages_fetched']} pages fetched: articles published outside"
            " --since/--until (not written)"
        )
    if summary.get("errors_logged"):
        lines.append(f"  errors logged    {summary['errors_logged']}")
    if summary["records_written"]:  # shares of no records say nothing
        lines.append(f"  field share      {shares}")
    return "\n".join(lines)


# -- run recorder ------------------------------------------------------------------------------

GONE_REASONS = ("http 404", "http 410")
# Loggers whose ERROR records are a page's download failure (judged by "most pages errored").
DOWNLOAD_ERROR_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
)


class _ErrorCounter(logging.Handler):
    """Counts ERROR log records: `xinwen/errors/download` (a page could not be fetched) or
    `xinwen/errors/other` (anything else: a bug, a failed pipeline, a failed export)."""

    def __init__(self, stats: Any) -> None:
        super().__init__(level=logging.ERROR)
        self.stats = stats

    def emit(self, record: logging.LogRecord) -> None:
        download = record.name in DOWNLOAD_ERROR_LOGGERS or (
            record.name == "scrapy.core.scraper" and str(record.msg).startswith("Error downloading")
        )
        self.stats.inc_value("xinwen/errors/download" if download else "xinwen/errors/other")


class _StateErrorEchoes(logging.Filter):
    """Keeps out of the log (and its error counts) the records that carry a StateError: a
    failed state stops the crawl and is named once, on the run's last line, and every later
    call raises the same error again (in a pipeline, a signal handler, the feed's close)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, StateError)


# Settings worth recording in a run's manifest.
MANIFEST_SETTINGS = (
    "XINWEN_STATE_PATH",
    "XINWEN_OFFLINE_ENABLED",
    "XINWEN_NEAR_DUPLICATE_DISTANCE",
    "XINWEN_REJECTED_RETRY_DAYS",
    "XINWEN_INCREMENTAL_ENABLED",
    "XINWEN_DUPLICATES_ENABLED",
    "XINWEN_QUARANTINE_PATH",
    "XINWEN_WARC_PATH",
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "RETRY_TIMES",
    "DOWNLOAD_TIMEOUT",
)


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _plain(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write to a temporary file, fsync, rename: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class RunRecorder:
    """Keeps the crawl state's run history and makes outputs consistent after a kill.

    At spider open: every appended local JSON-lines feed is recovered
    (`pipelines.export.recover_outputs`: records written but not marked seen are marked, a torn
    tail is cut) before any request is made, and a `running` row is added to the state's runs.
    While crawling: a page rejected from a complete (2xx) answer, or an article link answered
    404 / 410, is remembered, so it is not fetched again for `XINWEN_REJECTED_RETRY_DAYS`; a
    page that turned out to be an alias of a written article is not fetched again at all. At spider close: the run row gets its end, status and counts, and the
    run manifest (JSON) is written to `XINWEN_MANIFEST_PATH`, else beside the first output
    (`<file>.manifest.json`, or `<dir>/_runs/<run-id>.json` for a partitioned output).
    Switch: `XINWEN_RUNS_ENABLED`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.manifest: dict[str, Any] | None = None
        self.manifest_path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        if not crawler.settings.getbool("XINWEN_RUNS_ENABLED", True):
            raise NotConfigured
        ext = cls(crawler)
        # Open (and lock) the state now: a second crawl, a damaged state, an unusable output
        # fail at once, before anything is fetched, and every output the state recorded is
        # reconciled with it (a resumed crawl may write another file).
        state = crawl_state(crawler)
        feeds = crawler.settings.getdict("FEEDS")
        quarantine = quarantine_path(crawler.settings, feeds, crawler.spidercls.name)
        for note in prepare_outputs(state, feeds, [quarantine[0]] if quarantine[0] else []):
            logger.warning("%s", note)
        ext.recovered = recover_outputs(state, feeds)
        ext.error_counter = _ErrorCounter(crawler.stats)
        ext.state_error_echoes = _StateErrorEchoes()
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def state(self):
        return crawl_state(self.crawler)

    def spider_opened(self, spider: Any) -> None:
        state = self.state
        stats = self.crawler.stats
        stats.set_value("xinwen/errors/other", 0)
        logging.getLogger().addHandler(self.error_counter)
        for handler in logging.getLogger().handlers:
            handler.addFilter(self.state_error_echoes)
        recovered = self.recovered
        stats.set_value("xinwen/recovered/lines", recovered["lines"])
        stats.set_value("xinwen/recovered/truncated_bytes", recovered["truncated_bytes"])
        argv = self.settings.getlist("XINWEN_RUN_ARGV") or sys.argv
        state.start_run(spider.name, argv)
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        logger.info(
            "state %s: run %d, %d articles known", state.path, state.run_id, state.count_articles()
        )

    def item_dropped(self, item: Any, response: Any, exception: Exception, spider: Any) -> None:
        """Called after the validation pipeline wrote the item's quarantine line durably (a
        failed write raises there, and nothing is marked)."""
        message = str(exception)
        state = self.state
        reason = getattr(item, "reason", None)
        if isinstance(reason, str) and reason in GONE_REASONS and message.startswith("rejected ("):
            # An article link that is gone: not fetched again for the retry period.
            if getattr(item, "article", False):
                state.mark_page(item.url, "rejected", reason)
            return
        if response is None or not 200 <= getattr(response, "status", 0) < 300:
            return
        if message.startswith("rejected ("):
            reason = message[len("rejected (") :].split(")", 1)[0]
            state.mark_page(response.url, "rejected", reason)
        elif (
            message.startswith("duplicate (canonical_url)")
            and isinstance(item, dict)
            and item.get("url") != item.get("canonical_url")
            and state.has_url(item.get("canonical_url") or "")
        ):
            # An alias of an article already on disk: no need to fetch it again.
            state.mark_page(response.url, "alias", item.get("canonical_url"))

    def engine_stopped(self) -> None:
        logging.getLogger().removeHandler(self.error_counter)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self.state_error_echoes)

    def default_manifest_path(self, run_name: str) -> Path | None:
        configured = self.settings.get("XINWEN_MANIFEST_PATH")
        if configured:
            return Path(configured)
        for path, partitioned, _overwrite in durable_feeds(self.settings.getdict("FEEDS")):
            if partitioned:
                return path / RUNS_DIR / f"{run_name}.json"
            return path.with_name(path.name + ".manifest.json")
        return None

    def build_manifest(self, reason: str, run_name: str) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        problem = crawl_failed({**stats, "finish_reason": reason})
        state = self.state
        pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
        counts = {
            "pages_fetched": pages,
            "list_pages": stats.get("xinwen/pages/list", 0),
            "article_pages": stats.get("xinwen/pages/article", 0),
            "article_requests": stats.get("xinwen/requests/article", 0),
            "records_written": durable_records(self.crawler),
            "rejected": stats.get("xinwen/rejected_count", 0),
            "rejected_by_reason": _by_prefix(stats, "xinwen/rejected/"),
            "duplicates_dropped": stats.get("xinwen/duplicates_count", 0),
            "republished_marked": stats.get("xinwen/republished_count", 0),
            "republished_by_kind": _by_prefix(stats, "xinwen/republished/"),
            "skipped_known": stats.get("xinwen/skipped/known", 0),
            "skipped_out_of_window": stats.get("xinwen/skipped/out_of_window", 0),
            "lists_stopped": stats.get("xinwen/lists/stopped", 0),
            "page_errors": _download_failures(stats)[0],
            "errors_logged": stats.get("log_count/ERROR", 0) + stats.get("log_count/CRITICAL", 0),
            "recovered_lines": stats.get("xinwen/recovered/lines", 0),
            "recovered_truncated_bytes": stats.get("xinwen/recovered/truncated_bytes", 0),
        }
        spider = self.crawler.spider
        return {
            "run_id": run_name,
            "spider": spider.name if spider else None,
            "status": "ok" if problem is None else "failed",
            "problem": problem,
            "finish_reason": reason,
            "exit_status": 0 if problem is None else 1,
            "started_at": getattr(self, "started_at", None),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "argv": list(self.settings.getlist("XINWEN_RUN_ARGV") or sys.argv),
            "spider_arguments": {
                key: _plain(getattr(spider, key, None))
                for key in ("since", "until", "max_pages")
                if spider is not None and getattr(spider, key, None) is not None
            },
            "versions": {
                "xinwen": _version("xinwen"),
                "scrapy": _version("scrapy"),
                "python": platform.python_version(),
            },
            "settings": {name: _plain(self.settings.get(name)) for name in MANIFEST_SETTINGS},
            "state": {
                "path": str(state.path),
                "run": state.run_id,
                "articles_known": _articles_known(state),
            },
            "outputs": {path: n for path, n in sorted(state.written.items())},
            "counts": counts,
        }

    def spider_closed(self, spider: Any, reason: str) -> None:
        state = self.state
        if state.run_id is None:
            return
        commit_all(self.crawler)  # the manifest counts what is on disk and marked seen
        started = state.run_started or datetime.now(UTC)
        run_name = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{state.run_id}"
        self.manifest = self.build_manifest(reason, run_name)
        # Stopped by a signal (Ctrl-C, SIGTERM): interrupted; any other abnormal end: failed.
        status = "interrupted" if reason == "shutdown" else self.manifest["status"]
        self.manifest["status"] = status
        try:
            if status == "ok" and reason == "finished":
                # Every record of this run is durable: its complete list passes may now stop
                # later runs' paging (crawler.crawl.incremental).
                state.complete_list_passes(completed_lists(self.crawler))
            state.finish_run(
                state.run_id, status, self.manifest["counts"], self.manifest["problem"]
            )
        except StateError:
            pass  # already the run's problem (stop_crawl); the manifest still says so
        self.manifest_path = self.default_manifest_path(run_name)
        if self.manifest_path is not None:
            write_json_atomically(self.manifest_path, self.manifest)


def durable_records(crawler: Crawler, scraped: int | None = None) -> int:
    """Records of this run on disk and marked seen (`scraped`, else the scraped count, when no
    durable feed counts them)."""
    storages = crawler.__dict__.get(DURABLE_STORAGES_ATTR, [])
    if any(storage.durable and storage.state is not None for storage in storages):
        return sum(crawl_state(crawler).written.values())
    return crawler.stats.get_value("item_scraped_count", 0) if scraped is None else scraped


def _articles_known(state: Any) -> int | None:
    """Articles the state holds; None when the state itself failed (the manifest's problem
    says how), so that a failed run still gets its manifest."""
    try:
        return state.count_articles()
    except StateError:
        return None


def _item_label(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("url"))
    return str(getattr(item, "url", item))


class ShortLogFormatter(LogFormatter):
    """Like Scrapy's, but scraped and dropped items are logged by URL, not in full, and the
    per-page DEBUG lines are not built at all when LOG_LEVEL hides them (Scrapy builds each
    record before its handler drops it: two per page)."""

    def __init__(self, log_level: int = logging.DEBUG) -> None:
        super().__init__()
        self.log_level = log_level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShortLogFormatter:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        return cls(level if isinstance(level, int) else logging.DEBUG)

    def crawled(self, request, response, spider):
        result = super().crawled(request, response, spider)
        return result if result["level"] >= self.log_level else None

    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        if result["level"] < self.log_level:
            return None
        result["args"]["item"] = _item_label(item)
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        # Each drop is counted in the summary and its page is in the quarantine file (or
        # logged by the quarantine; a failed download also as "failed URL: reason"): a page's
        # drop at WARNING would say it a second time.
        result["level"] = logging.INFO
        return result
